package org.attentionsearch.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.ModelType;
import org.attentionsearch.model.Rope;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.text.Encoding;
import org.junit.jupiter.api.Test;

/** Streamed pages against the pages of a full trace of the same text. */
class StreamedPagesTest {

    private static final Streaming ALWAYS = new Streaming(true, Long.MAX_VALUE);

    /** A Llama of 4,096 positions small enough that a full trace of 4,096 tokens fits a test's heap. */
    private static Model longLlama() {
        ModelConfig c = ModelConfig.llama(ModelType.LLAMA, RandomDecoders.VOCAB, 32, 2, 4, 2, 8, 48, 4096, 1e-6f,
                Rope.plain(10000, 8), false, false, false, 0);
        return Model.load(RandomDecoders.checkpoint(c, 41));
    }

    @Test
    void decoderPagesEqualTheFullTracesAtSeveralLengths() {
        Model llama = longLlama();
        Random r = new Random(5);
        for (int n : new int[] {1, 2, 13, 300, 4096}) {
            Model.Tokenized text = randomText(llama, n, r);
            Analysis full = Analysis.of(llama, text), streamed = Analysis.of(llama, List.of(text), ALWAYS).getFirst();
            assertFalse(full.streamed());
            assertTrue(streamed.streamed());
            List<Integer> queries = n <= 300 ? range(n) : List.of(0, 1, 11, 12, 13, 1000, 2047, 4083, 4095);
            for (View view : List.of(new View.Head(0, 0), new View.Head(1, 3), new View.MeanBlend(1))) {
                List<ResultsPage> all = streamed.pages(view, 10);
                for (int i : queries) {
                    ResultsPage expected = full.page(view, i, 10);
                    assertSame(expected, all.get(i), n + " tokens, " + view.label() + ", query " + i);
                    assertSame(expected, streamed.page(view, i, 10), "one page alone, query " + i);
                }
            }
            if (n <= 300) { // the full value blend multiplies n² hidden-width vectors: kept to shorter texts
                View value = new View.ValueBlend(0);
                List<ResultsPage> all = streamed.pages(value, 7);
                for (int i : queries) assertSame(full.page(value, i, 7), all.get(i), n + " tokens, value blend, query " + i);
            }
        }
    }

    @Test
    void aSlidingWindowAndOtherFamiliesStreamAlike() {
        Random r = new Random(6);
        for (ModelConfig c : List.of(RandomDecoders.mistralWindowed(), RandomDecoders.gpt2(), RandomDecoders.qwen3())) {
            Model model = Model.load(RandomDecoders.checkpoint(c, 7));
            Model.Tokenized text = randomText(model, Math.min(60, c.maxPositions()), r);
            Analysis full = Analysis.of(model, text), streamed = Analysis.of(model, List.of(text), ALWAYS).getFirst();
            for (View view : List.of(new View.Head(1, 1), new View.MeanBlend(0), new View.ValueBlend(1))) {
                List<ResultsPage> all = streamed.pages(view, 5);
                for (int i = 0; i < text.encoding().length(); i++) {
                    assertSame(full.page(view, i, 5), all.get(i), c.modelType() + ", " + view.label() + ", query " + i);
                }
            }
            MathView expected = MathView.of(full, 1, 2, 30, 27, 4), got = MathView.of(streamed, 1, 2, 30, 27, 4);
            assertEquals(expected.score(), got.score(), 0);
            assertEquals(expected.weight(), got.weight(), 1e-6);
            assertEquals(expected.rowSum(), got.rowSum(), 0);
        }
    }

    @Test
    void encoderPagesEqualTheFullTraces() {
        Model bert = TestModels.MINILM.model();
        Model.Tokenized text = bert.tokenize("The bank raised its rates, and the river bank flooded after the rain.");
        Analysis full = Analysis.of(bert, text), streamed = Analysis.of(bert, List.of(text), ALWAYS).getFirst();
        int n = full.length();
        for (int layer : new int[] {0, bert.config().layers() - 1}) {
            List<View> views = new ArrayList<>(List.of(new View.MeanBlend(layer), new View.ValueBlend(layer)));
            for (int h = 0; h < bert.config().heads(); h++) views.add(new View.Head(layer, h));
            for (View view : views) {
                List<ResultsPage> all = streamed.pages(view, n);
                for (int i = 0; i < n; i++) assertSame(full.page(view, i, 0), all.get(i), view.label() + ", query " + i);
            }
        }
    }

    @Test
    void whatNeedsTheWholeMatrixIsRefusedInOneSentence() {
        Model llama = longLlama();
        Model.Tokenized text = randomText(llama, 40, new Random(8));
        ModelConfig c = llama.config();
        Streaming past30 = Streaming.past(Analysis.estimatedBytes(c, 30));
        assertEquals(30, past30.fullLimit(c));
        assertFalse(past30.streams(c, 30));
        Analysis a = Analysis.of(llama, List.of(randomText(llama, 30, new Random(9)), text), past30).get(1);
        assertTrue(a.streamed());
        for (var refused : List.<Runnable>of(() -> a.page(new View.Rollout(), 3, 10), () -> a.pages(new View.Head(0, 1), 0),
                () -> a.page(new View.MeanBlend(0), 3, 0), () -> a.weights(new View.Head(0, 0)), () -> a.scores(1, 1),
                () -> a.valueNorms(new View.ValueBlend(0)))) {
            MatrixNotKeptException e = assertThrows(MatrixNotKeptException.class, refused::run);
            assertTrue(e.getMessage().contains("does not keep") && e.getMessage().contains("its 40 tokens")
                    && e.getMessage().contains("at most 30 tokens"), e.getMessage());
        }
        Streaming tiny = Streaming.past(Analysis.streamedBytes(c, 40) - 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tiny.requireFits(c, 40));
        assertTrue(e.getMessage().contains("even with streamed pages"), e.getMessage());
        tiny.requireFits(c, 39);
    }

    /** The same page: query, keys, ids in order, weights, scores and value numbers (double vs float sums). */
    static void assertSame(ResultsPage expected, ResultsPage got, String what) {
        assertEquals(expected.query(), got.query(), what);
        assertEquals(expected.view(), got.view(), what);
        assertEquals(expected.keys(), got.keys(), what);
        assertEquals(expected.effectiveResults(), got.effectiveResults(), 1e-6 * expected.effectiveResults(), what);
        assertEquals(expected.coveredWeight(), got.coveredWeight(), 1e-5, what);
        int[] ids = expected.results().stream().mapToInt(x -> x.key().position()).toArray();
        assertArrayEquals(ids, got.results().stream().mapToInt(x -> x.key().position()).toArray(), what);
        for (int x = 0; x < ids.length; x++) {
            Result e = expected.results().get(x), g = got.results().get(x);
            String at = what + ", result " + (x + 1);
            assertEquals(e.rank(), g.rank(), at);
            assertEquals(e.weight(), g.weight(), 1e-6, at);
            assertEquals(e.score(), g.score(), 0, at); // the same float, recomputed by the same code
            assertClose(e.valueNorm(), g.valueNorm(), 1e-5 * Math.max(1, Math.abs(e.valueNorm())), at);
            assertClose(e.valueShare(), g.valueShare(), 1e-5, at);
            assertEquals(e.snippet(), g.snippet(), at);
            assertEquals(e.sink(), g.sink(), at + ": sink mark");
        }
    }

    /** Within delta, or both NaN (a number the view does not define). */
    private static void assertClose(double expected, double got, double delta, String what) {
        if (Double.isNaN(expected)) assertTrue(Double.isNaN(got), what);
        else assertEquals(expected, got, delta, what);
    }

    static Model.Tokenized randomText(Model model, int n, Random r) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = 3 + r.nextInt(RandomDecoders.VOCAB - 3);
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) tokens[i] = "t" + ids[i];
        int[] none = new int[n];
        java.util.Arrays.fill(none, -1);
        return new Model.Tokenized("", new Encoding(ids, new int[n], tokens, none, none), 0);
    }

    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) out.add(i);
        return out;
    }
}
