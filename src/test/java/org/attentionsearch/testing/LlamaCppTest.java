package org.attentionsearch.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.attentionsearch.testing.LlamaCpp.Model;
import org.attentionsearch.testing.LlamaCpp.Run;
import org.attentionsearch.testing.SyntheticModels.Spec;
import org.attentionsearch.weights.GgmlType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;

/**
 * llama.cpp loads every synthetic GGUF, decodes a prompt to finite logits with causal
 * attention rows that sum to 1, and its tokenizer agrees with Hugging Face's on each
 * synthetic model's vocabulary.
 */
class LlamaCppTest {

    private static final String PROMPT = "The quick brown fox jumps over the lazy dog. It was a bright cold day in April, and the clocks were striking thirteen.";
    private static final int THREADS = 2;
    private static final Map<Spec, float[]> F32_LOGITS = new HashMap<>();

    static Stream<Spec> architectures() {
        return Stream.of(SyntheticModels.llama(), SyntheticModels.llama().withRopeScaling(true), SyntheticModels.llama2(),
                SyntheticModels.qwen2(), SyntheticModels.qwen3(), SyntheticModels.gpt2());
    }

    @ParameterizedTest
    @MethodSource("architectures")
    void decodesEveryArchitecture(Spec spec) {
        try (Model m = LlamaCpp.load(SyntheticModels.gguf(spec))) {
            assertEquals(spec.vocabulary().size(), m.vocabSize());
            assertEquals(spec.layers(), m.layers());
            assertEquals(spec.heads(), m.heads());
            assertEquals(spec.kvHeads(), m.kvHeads());
            assertEquals(spec.hidden(), m.embeddingLength());
            assertEquals(spec.context(), m.trainedContext());
            assertEquals(spec.architecture().ggufName(), m.metadata("general.architecture").orElseThrow());

            int[] tokens = LlamaCpp.tokenize(m, PROMPT, true, false);
            Run run = LlamaCpp.decode(m, tokens, name -> name.startsWith("kq_soft_max-") || name.equals("result_output"), THREADS);
            assertSaneRun(spec, run);
            // the eval callback's copy of the output projection is the logits llama.cpp returns
            LlamaCpp.Captured output = run.last("result_output");
            assertArrayEquals(new long[] {spec.vocabulary().size(), tokens.length}, output.ne());
            assertArrayEquals(run.logits(), output.data());
            synchronized (F32_LOGITS) {
                F32_LOGITS.put(spec, run.logits(tokens.length - 1));
            }
        }
    }

    /**
     * Every weight type on the two smaller vocabularies (a Llama and GPT-2); with
     * -Dsynthetic.everyModel=true on every model, which takes minutes (the K-quants of
     * 150,000-row embeddings are slow to make).
     */
    static Stream<Arguments> weightTypes() {
        List<Arguments> cases = new ArrayList<>();
        List<Spec> specs = Boolean.getBoolean("synthetic.everyModel")
                ? List.of(SyntheticModels.llama(), SyntheticModels.llama2(), SyntheticModels.qwen2(), SyntheticModels.qwen3(), SyntheticModels.gpt2())
                : List.of(SyntheticModels.llama2(), SyntheticModels.gpt2());
        for (Spec spec : specs) {
            for (GgmlType type : List.of(GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K)) {
                cases.add(Arguments.of(spec, type));
            }
        }
        return cases.stream();
    }

    /** Each weight type loads, decodes sanely, and its last logits stay close to the F32 model's. */
    @ParameterizedTest
    @MethodSource("weightTypes")
    void decodesEveryWeightType(Spec f32, GgmlType type) {
        Spec spec = f32.withWeights(type);
        float[] reference = f32Logits(f32);
        try (Model m = LlamaCpp.load(SyntheticModels.gguf(spec))) {
            int[] tokens = LlamaCpp.tokenize(m, PROMPT, true, false);
            Run run = LlamaCpp.decode(m, tokens, name -> name.startsWith("kq_soft_max-"), THREADS);
            assertSaneRun(spec, run);
            double cosine = cosine(reference, run.logits(tokens.length - 1));
            // random normal weights are hard on 4-bit types; each type keeps the logits' direction
            double floor = switch (type) {
                case F16, BF16 -> 0.999;
                case Q8_0 -> 0.995;
                case Q6_K -> 0.98;
                default -> 0.85;
            };
            assertTrue(cosine > floor, type + ": cosine " + cosine + " to the F32 logits");
        } finally {
            SyntheticModels.discard(spec);
        }
    }

    private static float[] f32Logits(Spec spec) {
        synchronized (F32_LOGITS) {
            float[] logits = F32_LOGITS.get(spec);
            if (logits != null) return logits;
        }
        try (Model m = LlamaCpp.load(SyntheticModels.gguf(spec))) {
            int[] tokens = LlamaCpp.tokenize(m, PROMPT, true, false);
            float[] logits = LlamaCpp.decode(m, tokens, name -> false, THREADS).logits(tokens.length - 1);
            synchronized (F32_LOGITS) {
                F32_LOGITS.put(spec, logits);
            }
            return logits;
        }
    }

    /** Finite logits; every layer's attention causal, rows summing to 1, and not uniform. */
    private static void assertSaneRun(Spec spec, Run run) {
        int n = run.tokens().length;
        assertEquals(n * spec.vocabulary().size(), run.logits().length);
        for (float f : run.logits()) assertTrue(Float.isFinite(f));
        for (int layer = 0; layer < spec.layers(); layer++) {
            float[][][] attention = run.attention(layer);
            assertEquals(spec.heads(), attention.length);
            double peak = 0;
            for (float[][] head : attention) {
                for (int q = 0; q < n; q++) {
                    double sum = 0;
                    for (int k = 0; k < n; k++) {
                        if (k > q) assertEquals(0f, head[q][k], "a query attends to a later key");
                        sum += head[q][k];
                    }
                    assertEquals(1.0, sum, 1e-4);
                }
                for (float w : head[n - 1]) peak = Math.max(peak, w);
            }
            assertTrue(peak > 3.0 / n, "layer " + layer + " attends almost uniformly: peak " + peak);
        }
    }

    private static double cosine(float[] a, float[] b) {
        double ab = 0, aa = 0, bb = 0;
        for (int i = 0; i < a.length; i++) {
            ab += (double) a[i] * b[i];
            aa += (double) a[i] * a[i];
            bb += (double) b[i] * b[i];
        }
        return ab / Math.sqrt(aa * bb);
    }

    private static final List<String> TEXTS = List.of(
            "Hello world",
            "The quick brown fox jumps over the lazy dog.",
            "  leading spaces,\ttabs and\nnew lines\n\n",
            "numbers 1234567 and 3.14159, dates 2024-05-01",
            "naïve café, Ærøskøbing, Ελληνικά, русский",
            "日本語のテキストと中文",
            "emoji 🦙🚀 and 👩‍👩‍👧",
            "don't, we'll, THEY'RE, I'M",
            "code: for (int i = 0; i < n; i++) { x += y; }");

    /** llama.cpp's tokenizer on each vocabulary-only GGUF agrees with Hugging Face's on tokenizer.json. */
    @ParameterizedTest
    @EnumSource(Vocabulary.class)
    void tokenizesLikeHuggingFace(Vocabulary vocabulary) throws IOException {
        Path json = Files.createTempFile("tokenizer", ".json");
        Files.write(json, vocabulary.tokenizerJson());
        try (Model m = LlamaCpp.loadVocabOnly(SyntheticModels.vocabularyGguf(vocabulary));
             HuggingFaceTokenizer hf = HuggingFaceTokenizer.newInstance(json, Map.of("addSpecialTokens", "false"))) {
            assertEquals(vocabulary.size(), m.vocabSize());
            for (String text : TEXTS) {
                int[] ours = LlamaCpp.tokenize(m, text, false, false);
                long[] theirs = hf.encode(text).getIds();
                assertArrayEquals(toInts(theirs), ours, vocabulary + ": " + text);
                // and back: byte-level vocabularies are lossless
                if (vocabulary.byteLevel()) assertEquals(text, LlamaCpp.detokenize(m, ours, false, false));
            }
            int[] withSpecial = LlamaCpp.tokenize(m, "Hello", true, false);
            switch (vocabulary) {
                case LLAMA3 -> assertEquals(128000, withSpecial[0]);
                case LLAMA2 -> assertEquals(1, withSpecial[0]);
                default -> assertNotEquals(vocabulary.bos(), withSpecial[0]);
            }
            // special tokens in text, recognised only when asked
            String eot = vocabulary == Vocabulary.LLAMA2 ? "</s>" : vocabulary == Vocabulary.LLAMA3 ? "<|end_of_text|>" : "<|endoftext|>";
            int eotId = vocabulary == Vocabulary.LLAMA2 ? 2 : vocabulary == Vocabulary.LLAMA3 ? 128001 : vocabulary == Vocabulary.QWEN3 ? 151643 : 50256;
            assertEquals(List.of(eotId), boxed(LlamaCpp.tokenize(m, eot, false, true)));
            assertTrue(LlamaCpp.tokenize(m, eot, false, false).length > 1);
            assertEquals(eot, LlamaCpp.piece(m, eotId, true));
        } finally {
            Files.deleteIfExists(json);
        }
    }

    @Test
    void closedModelsAreRefused() {
        Model m = LlamaCpp.loadVocabOnly(SyntheticModels.vocabularyGguf(Vocabulary.GPT2));
        m.close();
        m.close();
        assertThrows(IllegalStateException.class, () -> LlamaCpp.tokenize(m, "x", false, false));
        assertThrows(IllegalStateException.class, () -> LlamaCpp.load(Path.of("/nonexistent.gguf")));
    }

    @Test
    void decodeCapturesByNameAndRefusesTooLongInputs() {
        Spec spec = SyntheticModels.gpt2();
        try (Model m = LlamaCpp.load(SyntheticModels.gguf(spec))) {
            int[] tokens = LlamaCpp.tokenize(m, PROMPT, false, false);
            Run run = LlamaCpp.decode(m, tokens, java.util.Set.of("l_out-1", "result_norm"), THREADS);
            assertEquals(List.of("l_out-1", "result_norm"), run.captured().stream().map(LlamaCpp.Captured::name).toList());
            assertArrayEquals(new long[] {spec.hidden(), tokens.length}, run.last("result_norm").ne());
            assertArrayEquals(run.logits(), LlamaCpp.decode(m, tokens, THREADS).logits()); // a fresh context each time
            assertThrows(IllegalArgumentException.class, () -> LlamaCpp.decode(m, new int[spec.context() + 1], THREADS));
            assertThrows(IllegalArgumentException.class, () -> LlamaCpp.decode(m, new int[0], THREADS));
        }
    }

    private static int[] toInts(long[] ids) {
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) out[i] = (int) ids[i];
        return out;
    }

    private static List<Integer> boxed(int[] ids) {
        List<Integer> out = new ArrayList<>();
        for (int id : ids) out.add(id);
        return out;
    }

}
