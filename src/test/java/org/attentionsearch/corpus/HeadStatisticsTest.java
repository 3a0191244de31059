package org.attentionsearch.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Result;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.weights.Checkpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** heads against a recomputation from every query's full results page, and the induction score on circuits built by hand. */
class HeadStatisticsTest {

    @TempDir Path tmp;

    @Test
    void encoderStatisticsAreTheMeansOfEveryQuerysPage() {
        List<String> lines = List.of("The bank by the river bank was muddy.", "", "She paid the bank, then the bank paid her.",
                "Rain, rain and more rain.");
        check(TestModels.MINILM.model(), lines);
    }

    /** A decoder with a sliding window of 5: the first token drops out of sight, and only earlier keys count. */
    @Test
    void decoderStatisticsCountOnlyVisibleKeys() {
        var random = RandomDecoders.checkpoint(RandomDecoders.mistralWindowed(), 11);
        Model model = Model.load(new Checkpoint(random.config(), random.tensors(), InductionModels.vocabulary(RandomDecoders.VOCAB),
                null, random.source()));
        assertEquals(10, model.tokenize("t5 t9 t5 t12 t7 t5 t9 t30 t31 t5").encoding().length());
        check(model, List.of("t5 t9 t5 t12 t7 t5 t9 t30 t31 t5", "t40 t41 t40", "t8"));
    }

    private void check(Model model, List<String> lines) {
        Path corpus = TestCorpora.write(tmp.resolve("c.txt"), lines);
        HeadSums sums = CorpusHeads.sums(model, corpus, CorpusFile.Format.TEXT, CorpusBatches.of(model), l -> { });
        List<HeadStatistics> got = sums.means(null);
        int layers = model.config().layers(), heads = model.config().heads();
        double[][][] expected = new double[layers][heads][7];
        long queries = 0, later = 0;
        for (String line : lines) {
            if (line.isBlank()) continue;
            Analysis a = Analysis.of(model, line);
            int n = a.length();
            queries += n;
            later += n - 1;
            for (int l = 0; l < layers; l++) {
                float[] p = a.trace().layer(l, "attention.head_projections");
                int hidden = model.config().hiddenSize();
                for (int h = 0; h < heads; h++) {
                    for (int i = 0; i < n; i++) {
                        ResultsPage page = a.page(new View.Head(l, h), i, 0);
                        double[] e = expected[l][h];
                        e[0] += page.effectiveResults();
                        for (Result r : page.results()) {
                            int j = r.key().position();
                            if (j == i - 1) e[1] += r.weight();
                            if (j != i && r.key().id() == a.tokens().get(i).id()) e[2] += r.weight();
                            if (j == 0) e[3] += r.weight();
                            if (model.tokenizer().isSpecial(r.key().id())) e[4] += r.weight();
                            if (r.sink()) e[5] += r.weight();
                        }
                        double own = 0, all = 0;
                        for (int g = 0; g < heads; g++) {
                            double s = 0;
                            for (int x = 0; x < hidden; x++) s += Math.pow(p[(g * n + i) * hidden + x], 2);
                            all += Math.sqrt(s);
                            if (g == h) own = Math.sqrt(s);
                        }
                        e[6] += own / all;
                    }
                }
            }
        }
        assertEquals(lines.stream().filter(l -> !l.isBlank()).count(), sums.texts());
        assertEquals(queries, sums.tokens());
        for (HeadStatistics s : got) {
            double[] e = expected[s.layer()][s.head()];
            String where = "layer " + s.layer() + " head " + s.head();
            assertEquals(e[0] / queries, s.effectiveResults(), 1e-6, where);
            assertEquals(e[1] / later, s.previousToken(), 1e-6, where);
            assertEquals(e[2] / queries, s.duplicateToken(), 1e-6, where);
            assertEquals(e[3] / queries, s.firstToken(), 1e-6, where);
            assertEquals(e[4] / queries, s.specialTokens(), 1e-6, where);
            assertEquals(e[5] / queries, s.sinks(), 1e-6, where);
            assertEquals(e[6] / queries, s.valueShare(), 1e-6, where);
        }
    }

    @Test
    void theInductionScoreFindsTheInductionHeadBuiltOnPurpose() {
        double[][] with = InductionScore.of(InductionModels.model(true));
        assertTrue(with[1][0] > 0.8, "the induction head scores " + with[1][0]);
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < 2; h++) {
                if (l != 1 || h != 0) assertTrue(with[l][h] < 0.2, "layer " + l + " head " + h + " scores " + with[l][h]);
            }
        }
        double[][] without = InductionScore.of(InductionModels.model(false));
        for (double[] layer : without) for (double s : layer) assertTrue(s < 0.2, "a model without the circuit scores " + s);
    }

    @Test
    void thePreviousTokenHeadOfTheCircuitReadsThePreviousToken() {
        Model model = InductionModels.model(true);
        Path corpus = TestCorpora.write(tmp.resolve("t.txt"), List.of("t5 t9 t12 t7 t33 t5 t9 t12", "t40 t41 t42 t43"));
        List<HeadStatistics> stats = CorpusHeads.report(model, CorpusHeads.sums(model, corpus, CorpusFile.Format.TEXT,
                CorpusBatches.of(model), l -> { })).heads();
        assertTrue(stats.get(0).previousToken() > 0.95, "layer 0 head 0: " + stats.get(0));
        assertTrue(stats.get(2).induction() > 0.8, "layer 1 head 0: " + stats.get(2));
    }

    @Test
    void anEncoderHasNoInductionScore() {
        assertNull(InductionScore.of(TestModels.MINILM.model()));
    }
}
