package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Stream;

import org.attentionsearch.testing.LlamaCpp;
import org.attentionsearch.testing.ReferenceDecoder;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.SyntheticModels.Spec;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our decoders against llama.cpp itself (v0.4.0, F32 KV cache, flash attention off) on the same
 * GGUF files and token ids: logits, attention weights and the rotated queries; and the Hugging
 * Face directory of the same weights gives the very same numbers as the GGUF file.
 */
class LlamaCppOracleTest {

    private static final String PROMPT = "The bank raised its rates, and then the river flooded the bank where we sat. "
            + "Ünïcödé, 数字 12345, emoji 🎉 and a newline\nend.";

    static Stream<Spec> models() {
        return Stream.of(SyntheticModels.llama(), SyntheticModels.llama().withRopeScaling(true), SyntheticModels.llama2(),
                SyntheticModels.qwen2(), SyntheticModels.qwen3(), SyntheticModels.gpt2());
    }

    private static boolean gpt2(Spec spec) {
        return spec.architecture() == SyntheticModels.Architecture.GPT2;
    }

    @ParameterizedTest
    @MethodSource("models")
    void logitsAndAttentionMatchLlamaCpp(Spec spec) {
        Model ours = Model.load(ModelLoader.load(SyntheticModels.gguf(spec)));
        Encoding e = ours.tokenizer().encode(PROMPT);
        int n = e.length();
        Trace trace = ours.forward(List.of(e), true).trace(0);
        LlamaCpp.Run run;
        try (LlamaCpp.Model reference = LlamaCpp.load(SyntheticModels.gguf(spec))) {
            run = LlamaCpp.decode(reference, e.ids(), name -> name.startsWith("kq_soft_max-") || name.startsWith("Qcur-"), 2);
        }
        // llama.cpp's CPU GELU goes through an fp16 table (its error reaches the second layer's
        // attention as up to 2.5e-4 on this model), so GPT-2 is held to looser bounds here, and
        // to the plain reference exactly: see gpt2DiffersFromLlamaCppOnlyByItsGeluTable.
        double logitTolerance = gpt2(spec) ? 2e-2 : 1e-4, attentionTolerance = gpt2(spec) ? 5e-4 : 1e-5;
        int v = ours.config().vocabSize();
        float[] logits = trace.get("logits").data();
        double worst = 0;
        for (int i = 0; i < n; i++) {
            float[] want = run.logits(i);
            for (int t = 0; t < v; t++) {
                double diff = Math.abs(want[t] - logits[i * v + t]);
                worst = Math.max(worst, diff);
                if (diff > logitTolerance) {
                    throw new AssertionError(spec.fileName() + ": logit of token " + t + " after position " + i + " is "
                            + logits[i * v + t] + ", llama.cpp's " + want[t]);
                }
            }
        }
        for (int l = 0; l < ours.config().layers(); l++) {
            float[][][] want = run.attention(l);
            float[] weights = trace.layer(l, "attention.weights");
            for (int h = 0; h < ours.config().heads(); h++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        assertEquals(want[h][i][j], weights[(h * n + i) * n + j], attentionTolerance,
                                spec.fileName() + ": layer " + l + " head " + h + " query " + i + " key " + j);
                    }
                }
            }
        }
        assertTrue(worst > 0 || n == 0, "two engines that agree to the bit on every logit would be suspicious");
        if (!gpt2(spec)) assertQueriesMatch(spec, ours, trace, run, n);
    }

    /**
     * Qcur-L after rotary positions, [d × heads × n] in ggml order: for the llama architecture its
     * rows are in the converter's adjacent-pair order, for qwen in Hugging Face's; ours are always
     * Hugging Face's (pair i = dimensions i and i + d/2).
     */
    private static void assertQueriesMatch(Spec spec, Model ours, Trace trace, LlamaCpp.Run run, int n) {
        int heads = ours.config().heads(), d = ours.config().headSize();
        boolean permuted = spec.architecture() == SyntheticModels.Architecture.LLAMA;
        for (int l = 0; l < ours.config().layers(); l++) {
            LlamaCpp.Captured q = run.all("Qcur-" + l).getLast();
            float[] query = trace.layer(l, "attention.query");
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < n; i++) {
                    for (int c = 0; c < d; c++) {
                        int stored = permuted ? (c < d / 2 ? 2 * c : 2 * (c - d / 2) + 1) : c;
                        assertEquals(q.at(stored, h, i), query[(h * n + i) * d + c], 1e-4,
                                spec.fileName() + ": layer " + l + " head " + h + " query " + i + " dimension " + c);
                    }
                }
            }
        }
    }

    /** The Hugging Face directory of the same weights: the same numbers, to the bit. */
    @ParameterizedTest
    @MethodSource("models")
    void theModelDirectoryGivesTheSameNumbersAsTheGgufFile(Spec spec) {
        Model gguf = Model.load(ModelLoader.load(SyntheticModels.gguf(spec)));
        Model directory = Model.load(ModelLoader.load(SyntheticModels.huggingFace(spec)));
        assertEquals(gguf.config(), directory.config());
        Encoding e = directory.tokenizer().encode(PROMPT);
        Trace a = gguf.forward(List.of(e), true).trace(0), b = directory.forward(List.of(e), true).trace(0);
        assertArrayEquals(a.get("logits").data(), b.get("logits").data());
        for (int l = 0; l < gguf.config().layers(); l++) {
            assertArrayEquals(a.layer(l, "attention.weights"), b.layer(l, "attention.weights"));
        }
    }

    /** GPT-2, where llama.cpp's GELU table blurs the comparison, against our own plain reference instead. */
    @ParameterizedTest
    @MethodSource("models")
    void everyModelMatchesThePlainReference(Spec spec) {
        Checkpoint checkpoint = ModelLoader.load(SyntheticModels.huggingFace(spec));
        Model model = Model.load(checkpoint);
        int[] ids = model.tokenizer().encode("A short text for the reference, which is slow.").ids();
        ReferenceDecoder.Result want = ReferenceDecoder.run(checkpoint, ids);
        Trace trace = model.forward(List.of(model.tokenizer().encode("A short text for the reference, which is slow.")), true).trace(0);
        float[] logits = trace.get("logits").data();
        int v = model.config().vocabSize();
        for (int i = 0; i < ids.length; i++) {
            for (int t = 0; t < v; t++) {
                assertEquals(want.logits()[i][t], logits[i * v + t], 1e-4 * (1 + Math.abs(want.logits()[i][t])),
                        spec.fileName() + ": logit " + t + " after " + i);
            }
        }
    }

    /**
     * With llama.cpp's fp16 GELU table emulated, the plain reference comes five to twenty times
     * closer to llama.cpp's GPT-2 than we are (measured: logits 3.1e-3 → 5.7e-4, attention
     * 3.0e-4 → 1.7e-5): the table is what tells the two apart. What remains are inputs that land
     * on the other side of an fp16 rounding boundary in one engine than in the other.
     */
    @org.junit.jupiter.api.Test
    void gpt2DiffersFromLlamaCppOnlyByItsGeluTable() {
        Spec spec = SyntheticModels.gpt2();
        Checkpoint checkpoint = ModelLoader.load(SyntheticModels.gguf(spec));
        int[] ids = Model.load(checkpoint).tokenizer().encode(PROMPT).ids();
        ReferenceDecoder.Result emulated = ReferenceDecoder.runWithGgmlGelu(checkpoint, ids);
        LlamaCpp.Run run;
        try (LlamaCpp.Model reference = LlamaCpp.load(SyntheticModels.gguf(spec))) {
            run = LlamaCpp.decode(reference, ids, name -> name.startsWith("kq_soft_max-"), 2);
        }
        for (int i = 0; i < ids.length; i++) {
            float[] want = run.logits(i);
            for (int t = 0; t < want.length; t++) {
                assertEquals(want[t], emulated.logits()[i][t], 1e-3, "logit " + t + " after " + i);
            }
        }
        for (int l = 0; l < spec.layers(); l++) {
            float[][][] want = run.attention(l);
            for (int h = 0; h < spec.heads(); h++) {
                for (int i = 0; i < ids.length; i++) {
                    for (int j = 0; j < ids.length; j++) {
                        assertEquals(want[h][i][j], emulated.attention()[l][h][i][j], 5e-5, "layer " + l + " head " + h);
                    }
                }
            }
        }
    }
}
