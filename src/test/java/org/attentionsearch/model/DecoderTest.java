package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.testing.ReferenceDecoder;
import org.attentionsearch.weights.Checkpoint;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every decoder switch against {@link ReferenceDecoder}, a plain double-precision rewrite of the
 * Hugging Face definitions: logits, attention weights and the final norm, for texts alone and
 * packed together in one ragged batch.
 */
class DecoderTest {

    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of("gpt2", (Supplier<ModelConfig>) RandomDecoders::gpt2),
                Arguments.of("llama (grouped keys, untied)", (Supplier<ModelConfig>) RandomDecoders::llama),
                Arguments.of("qwen2 (q/k/v bias, tied)", (Supplier<ModelConfig>) RandomDecoders::qwen2),
                Arguments.of("qwen3 (q/k norms, wide heads)", (Supplier<ModelConfig>) RandomDecoders::qwen3),
                Arguments.of("llama 3.1 rope scaling", (Supplier<ModelConfig>) RandomDecoders::llama3Scaled),
                Arguments.of("mistral (sliding window, linear scaling)", (Supplier<ModelConfig>) RandomDecoders::mistralWindowed));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void matchesThePlainReference(String name, Supplier<ModelConfig> config) {
        Checkpoint checkpoint = RandomDecoders.checkpoint(config.get(), name.hashCode());
        Model model = Model.load(checkpoint);
        Random random = new Random(name.hashCode());
        int[][] texts = {ids(random, 23), ids(random, 1), ids(random, 40)};
        Output out = ((Transformer) model).forward(Batch.of(texts), true);
        for (int b = 0; b < texts.length; b++) {
            ReferenceDecoder.Result want = ReferenceDecoder.run(checkpoint, texts[b]);
            Trace trace = out.trace(b);
            int n = texts[b].length, v = model.config().vocabSize(), heads = model.config().heads();
            float[] logits = trace.get("logits").data();
            assertEquals(n * v, logits.length);
            for (int i = 0; i < n; i++) {
                for (int t = 0; t < v; t++) {
                    assertEquals(want.logits()[i][t], logits[i * v + t], 1e-4 * (1 + Math.abs(want.logits()[i][t])),
                            name + ": logit of token " + t + " after position " + i + " of text " + b);
                }
            }
            float[] hidden = out.hidden(b);
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < model.config().hiddenSize(); k++) {
                    assertEquals(want.finalNorm()[i][k], hidden[i * model.config().hiddenSize() + k], 1e-4, name + ": final norm");
                }
            }
            for (int l = 0; l < model.config().layers(); l++) {
                float[] weights = trace.layer(l, "attention.weights");
                for (int h = 0; h < heads; h++) {
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < n; j++) {
                            assertEquals(want.attention()[l][h][i][j], weights[(h * n + i) * n + j], 1e-5,
                                    name + ": layer " + l + " head " + h + " query " + i + " key " + j);
                        }
                    }
                }
            }
        }
    }

    /** A text alone and a text packed with others: the same numbers (attention never crosses texts). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void aBatchChangesNothing(String name, Supplier<ModelConfig> config) {
        Model model = Model.load(RandomDecoders.checkpoint(config.get(), 7));
        Random random = new Random(3);
        int[] a = ids(random, 30), b = ids(random, 9);
        Output together = ((Transformer) model).forward(Batch.of(a, b), false);
        Output alone = ((Transformer) model).forward(Batch.of(b), false);
        float[] x = together.hidden(1), y = alone.hidden(0);
        for (int i = 0; i < x.length; i++) assertEquals(y[i], x[i], 1e-5, name + " at " + i);
        float[] traced = ((Transformer) model).forward(Batch.of(a, b), true).hidden(1);
        assertArrayEquals(x, traced, name + ": a traced pass computes the same bits");
    }

    /** The scores the trace recomputes are −∞ exactly where the causal mask hides a key, and give the weights. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void scoresAreCausal(String name, Supplier<ModelConfig> config) {
        Model model = Model.load(RandomDecoders.checkpoint(config.get(), 11));
        int[] text = ids(new Random(5), 17);
        Trace trace = model.forward(List.of(new org.attentionsearch.text.Encoding(text, new int[text.length],
                new String[text.length], new int[text.length], new int[text.length])), true).trace(0);
        AttentionMask mask = AttentionMask.of(model.config());
        int n = text.length;
        for (int l = 0; l < model.config().layers(); l++) {
            float[] s = trace.layer(l, "attention.scores"), w = trace.layer(l, "attention.weights");
            for (int h = 0; h < model.config().heads(); h++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        int at = (h * n + i) * n + j;
                        boolean visible = j >= mask.firstVisible(i) && j < mask.endVisible(i, n);
                        assertEquals(!visible, s[at] == Float.NEGATIVE_INFINITY, name + " mask at " + i + "," + j);
                        if (!visible) assertEquals(0f, w[at]);
                    }
                }
            }
        }
        assertTrue(trace.names().contains("logits") && trace.names().contains("final_norm.output"));
    }

    private static int[] ids(Random random, int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = random.nextInt(RandomDecoders.VOCAB);
        return ids;
    }

    /** Under a sliding window one layer's page shows the window; rollout, through every layer, reaches back to the start. */
    @org.junit.jupiter.api.Test
    void rolloutReachesPastTheSlidingWindow() {
        Model model = Model.load(RandomDecoders.checkpoint(RandomDecoders.mistralWindowed(), 13));
        int[] ids = ids(new Random(17), 12);
        org.attentionsearch.text.Encoding e = new org.attentionsearch.text.Encoding(ids, new int[12], new String[12], new int[12], new int[12]);
        org.attentionsearch.search.Analysis a = org.attentionsearch.search.Analysis.of(model, new Model.Tokenized("", e, 0));
        int query = a.length() - 1, window = model.config().slidingWindow();
        assertEquals(window, a.page(new org.attentionsearch.search.View.Head(0, 0), query, 0).keys());
        org.attentionsearch.search.ResultsPage rollout = a.page(new org.attentionsearch.search.View.Rollout(), query, 0);
        assertEquals(query + 1, rollout.keys());
        assertEquals(1.0, rollout.coveredWeight(), 1e-5, "every key the rollout reaches is on its page");
    }
}
