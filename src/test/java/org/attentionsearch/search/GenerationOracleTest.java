package org.attentionsearch.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.stream.Stream;

import org.attentionsearch.model.KeyValueCache;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Output;
import org.attentionsearch.testing.LlamaCpp;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.SyntheticModels.Spec;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generation against llama.cpp's own (v0.4.0, F32 KV cache, flash attention off) on the same GGUF
 * file and prompt: the same greedy ids over 32 steps, and every step's logits within the
 * tolerances of the single-pass comparison (LlamaCppOracleTest).
 */
class GenerationOracleTest {

    private static final int STEPS = 32;
    private static final String PROMPT = "The bank raised its rates, and then the river flooded the bank where we sat.";

    static Stream<Spec> models() {
        return Stream.of(SyntheticModels.llama(), SyntheticModels.llama().withRopeScaling(true), SyntheticModels.llama2(),
                SyntheticModels.qwen2(), SyntheticModels.qwen3(), SyntheticModels.gpt2());
    }

    @ParameterizedTest
    @MethodSource("models")
    void greedyIdsAndEveryStepsLogitsMatchLlamaCpp(Spec spec) {
        Model ours = Model.load(ModelLoader.load(SyntheticModels.gguf(spec)));
        Encoding prompt = ours.tokenizer().encode(PROMPT);
        LlamaCpp.Greedy reference;
        try (LlamaCpp.Model model = LlamaCpp.load(SyntheticModels.gguf(spec))) {
            reference = LlamaCpp.greedy(model, prompt.ids(), STEPS, 2);
        }
        // The end-of-sequence token would stop ours early: the ids are compared as far as both go.
        Generation g = Generation.of(ours, PROMPT, prompt, Generation.Settings.greedy(STEPS));
        g.stream().forEach(s -> { });
        int[] got = g.ids();
        int[] want = java.util.Arrays.copyOf(reference.ids(), got.length);
        assertArrayEquals(want, got, spec.fileName() + ": greedy ids");
        assertEquals(STEPS, got.length, spec.fileName() + ": no end-of-sequence token in 32 greedy steps of this model");

        // Each step's logits, from our cache fed with the same ids.
        double tolerance = spec.architecture() == SyntheticModels.Architecture.GPT2 ? 2e-2 : 1e-4;
        KeyValueCache cache = new KeyValueCache(ours.config());
        int h = ours.config().hiddenSize();
        int[] next = prompt.ids();
        for (int s = 0; s < STEPS; s++) {
            Output out = ours.forward(next, cache, false);
            int rows = out.batch().rows();
            float[] logits = ours.head().logits(java.util.Arrays.copyOfRange(out.hidden(), (rows - 1) * h, rows * h), 1);
            float[] ref = reference.logits().get(s);
            for (int t = 0; t < logits.length; t++) {
                if (Math.abs(ref[t] - logits[t]) > tolerance) {
                    throw new AssertionError(spec.fileName() + ": logit of token " + t + " at step " + s + " is " + logits[t]
                            + ", llama.cpp's " + ref[t]);
                }
            }
            next = new int[] {reference.ids()[s]};
        }
    }
}
