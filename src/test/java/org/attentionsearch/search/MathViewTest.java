package org.attentionsearch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.Test;

class MathViewTest {

    @Test
    void theArithmeticAddsUpToThePage() {
        Analysis a = Analysis.of(TestModels.MINILM.model(), "The bank raised rates after the river flooded");
        int layer = 3, head = 7, query = 2;
        ResultsPage page = a.page(new View.Head(layer, head), query, 3);
        Result top = page.results().getFirst();
        MathView m = MathView.of(a, layer, head, query, top.key().position(), 32);

        double dot = 0;
        for (int c = 0; c < m.q().length; c++) dot += (double) m.q()[c] * m.k()[c];
        assertEquals(dot, m.dot(), 1e-5);
        double terms = 0;
        for (MathView.Term t : m.terms()) terms += t.product();
        assertEquals(m.dot(), terms, 1e-5, "all 32 terms sum to the dot product");
        assertEquals(m.dot() * m.scale(), m.score(), 1e-4);
        assertEquals(top.score(), m.score(), 1e-6);
        assertEquals(m.shiftedExp() / m.rowSum(), m.weight(), 1e-6);
        assertEquals(top.weight(), m.weight(), 1e-7);
        double norm = 0;
        for (float x : m.contribution()) norm += (double) x * x;
        assertEquals(top.valueNorm(), Math.sqrt(norm), 1e-4);
        assertTrue(m.nearestToContribution().size() > 0);
    }

    @Test
    void layerZeroStillSeesTheTokenAndDeeperLayersSeeBlends() {
        Analysis a = Analysis.of(TestModels.MINILM.model(), "I went to the bank to deposit money");
        var sight = MathView.sight(a, 5, 3);
        assertEquals(a.config().layers() + 1, sight.size());
        assertEquals(1.0, sight.getFirst().selfSimilarity(), 1e-5);
        assertEquals(5, sight.getFirst().resembles().getFirst().position());
        assertTrue(sight.getLast().selfSimilarity() < 0.9, "the output is no longer just the token");
    }
}
