package org.attentionsearch.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.attentionsearch.model.AttentionMask;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Result;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.Sinks;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.weights.Checkpoint;
import org.junit.jupiter.api.Test;

/**
 * The head summaries and norms read straight from a trace against the pages of the same
 * analysis, which build them the long way: a head's weights copied out, its n×n value norms, and
 * the [heads, n, H] projections of its values and outputs. (The head statistics' sums are checked
 * the same way by {@link HeadStatisticsTest}.)
 */
class HeadReadingTest {

    /**
     * ‖x W_O^h‖ through the Gram matrix against the norm of the float product: each of the H
     * products sums d = 32 terms in float, a relative rounding of at most d·2⁻²⁴ ≈ 2·10⁻⁶ each,
     * so the norms may differ by that much, no more.
     */
    private static final double NORM_TOLERANCE = 2e-6;

    @Test
    void anEncodersSummariesAreThoseOfItsPages() {
        check(TestModels.MINILM.model(), List.of("The bank by the river bank was muddy.", "Rain, rain and more rain, then [SEP] sun."));
    }

    @Test
    void aWindowedDecodersSummariesSeeOnlyItsVisibleKeys() {
        var random = RandomDecoders.checkpoint(RandomDecoders.mistralWindowed(), 11);
        Model model = Model.load(new Checkpoint(random.config(), random.tensors(), InductionModels.vocabulary(RandomDecoders.VOCAB),
                null, random.source()));
        check(model, List.of("t5 t9 t5 t12 t7 t5 t9 t30 t31 t5", "t8"));
    }

    private static void check(Model model, List<String> texts) {
        int layers = model.config().layers(), heads = model.config().heads(), hidden = model.config().hiddenSize();
        int[] all = java.util.stream.IntStream.range(0, layers).toArray();
        for (String text : texts) {
            Analysis a = Analysis.of(model, text);
            int n = a.length();
            HeadSummary[][][] got = HeadReading.read(a, model.tokenizer(), null, all);
            for (int l = 0; l < layers; l++) {
                AttentionMask mask = model.attention(l).mask();
                float[] projections = a.trace().layer(l, "attention.head_projections");
                float[] values = a.valueVectors(l);
                double[][] grams = ValueSpaceNorms.of(model).grams(l);
                int d = model.config().headSize();
                for (int h = 0; h < heads; h++) {
                    double[] outputNorms = new double[n], valueNorms = new double[n];
                    ValueSpaceNorms.norms(grams[h], d, a.trace().layer(l, "attention.head_outputs"), h * n * d, n, outputNorms, 0);
                    ValueSpaceNorms.norms(grams[h], d, a.trace().layer(l, "attention.value"), model.config().kvHead(h) * n * d, n, valueNorms, 0);
                    for (int i = 0; i < n; i++) {
                        String where = "layer " + l + " head " + h + " query " + i;
                        assertEquals(norm(projections, (h * n + i) * hidden, hidden), outputNorms[i],
                                NORM_TOLERANCE * outputNorms[i] + 1e-12, where + " ‖z W_O‖");
                        assertEquals(norm(values, (h * n + i) * hidden, hidden), valueNorms[i],
                                NORM_TOLERANCE * valueNorms[i] + 1e-12, where + " ‖v W_O‖");

                        ResultsPage page = a.page(new View.Head(l, h), i, 0);
                        Result top = page.results().getFirst();
                        HeadSummary s = got[l][i][h];
                        assertEquals(top.key().position() - i, s.offset(), where);
                        assertEquals(top.key().id(), s.keyToken(), where);
                        // The page sums the whole row, masked keys' zeros included, the summary its visible keys: the
                        // same terms, in vectors laid otherwise, so the same float but for a last bit.
                        assertEquals((float) Math.log(page.effectiveResults()), s.entropy(), Math.ulp(s.entropy()), where);
                        if (top.sink() != s.sink()) {
                            // Only a ratio on the threshold itself may fall either side with the norms' rounding.
                            int first = mask.firstVisible(i);
                            double rho = Sinks.valueRatio(a.weights(new View.Head(l, h)), a.valueNorms(new View.Head(l, h)),
                                    i * n + first, mask.visibleKeys(i, n), top.key().position() - first);
                            assertTrue(Math.abs(rho - Sinks.MAX_VALUE_RATIO) < 4 * NORM_TOLERANCE, where + " sink, ρ = " + rho);
                        }
                    }
                }
            }
        }
    }

    private static double norm(float[] x, int off, int len) {
        double s = 0;
        for (int k = 0; k < len; k++) s += (double) x[off + k] * x[off + k];
        return Math.sqrt(s);
    }
}
