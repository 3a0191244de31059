package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.attentionsearch.math.HalfMatrix;
import org.attentionsearch.math.Int4Matrix;
import org.attentionsearch.math.Int8Matrix;
import org.attentionsearch.math.QuantizedMatrix;
import org.attentionsearch.testing.LlamaCpp;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.SyntheticModels.Spec;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.GgmlType;
import org.attentionsearch.weights.ModelLoader;
import org.attentionsearch.weights.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * GGUF files in each format read in place (Q8_0, Q4_0, F16, BF16, Q4_K, Q6_K), their weights
 * multiplied where they lie, against the same files with every weight dequantized to float32 at
 * load (the exact values the file holds) and against llama.cpp.
 */
class QuantizedGgufTest {

    private static final String PROMPT = "The bank raised its rates, and then the river flooded the bank where we sat. "
            + "Ünïcödé, 数字 12345, emoji 🎉 and a newline\nend.";

    static Stream<Spec> models() {
        return Stream.of(SyntheticModels.llama().withWeights(GgmlType.Q8_0), SyntheticModels.qwen3().withWeights(GgmlType.Q8_0),
                SyntheticModels.gpt2().withWeights(GgmlType.Q8_0), SyntheticModels.llama().withWeights(GgmlType.Q4_0),
                // the other formats on the smaller vocabularies, whose tables are quicker to write and quantize
                SyntheticModels.llama2().withWeights(GgmlType.F16), SyntheticModels.gpt2().withWeights(GgmlType.BF16),
                SyntheticModels.llama2().withWeights(GgmlType.Q4_K), SyntheticModels.gpt2().withWeights(GgmlType.Q6_K));
    }

    /** The checkpoint with its tensors' quantized blocks hidden: every weight dequantized and packed at load, as before. */
    static Checkpoint dequantized(Checkpoint c) {
        Map<String, Tensor> plain = new LinkedHashMap<>();
        c.tensors().forEach((name, t) -> plain.put(name, Tensor.lazy(name, t.shape(), t::data, t::rows)));
        return new Checkpoint(c.config(), plain, c.tokenizer(), c.pooling(), c.source());
    }

    @ParameterizedTest
    @MethodSource("models")
    void inPlaceMatchesDequantizedAndLlamaCpp(Spec spec) {
        Checkpoint checkpoint = ModelLoader.load(SyntheticModels.gguf(spec));
        Model inPlace = Model.load(checkpoint), plain = Model.load(dequantized(checkpoint));
        Class<?> kept = switch (spec.weightType()) {
            case Q8_0, Q6_K -> Int8Matrix.class;
            case Q4_0, Q4_K -> Int4Matrix.class;
            case F16 -> HalfMatrix.class;
            default -> QuantizedMatrix.class;
        };
        assertInstanceOf(kept, inPlace.attention(0).outputWeight(), "W_O kept quantized");
        Encoding e = inPlace.tokenizer().encode(PROMPT);
        int n = e.length(), v = inPlace.config().vocabSize();
        float[] ours = inPlace.forward(List.of(e), true).trace(0).get("logits").data();
        float[] exact = plain.forward(List.of(e), true).trace(0).get("logits").data();
        // decoding: one token at a time through the cache, the weights read straight from their blocks
        KeyValueCache cache = new KeyValueCache(inPlace.config());
        float[] stepped = new float[n * v];
        for (int i = 0; i < n; i++) {
            float[] step = inPlace.forward(new int[] {e.ids()[i]}, cache, true).trace(0).get("logits").data();
            System.arraycopy(step, 0, stepped, i * v, v);
        }
        LlamaCpp.Run run;
        try (LlamaCpp.Model reference = LlamaCpp.load(SyntheticModels.gguf(spec))) {
            run = LlamaCpp.decode(reference, e.ids(), name -> false, 2);
        }
        double prompt = 0, decoding = 0, llamaCpp = 0, oursVsLlamaCpp = 0, scale = 0;
        for (int i = 0; i < n; i++) {
            float[] want = run.logits(i);
            for (int t = 0; t < v; t++) {
                float x = exact[i * v + t];
                prompt = Math.max(prompt, Math.abs(ours[i * v + t] - x));
                decoding = Math.max(decoding, Math.abs(stepped[i * v + t] - x));
                llamaCpp = Math.max(llamaCpp, Math.abs(want[t] - x));
                oursVsLlamaCpp = Math.max(oursVsLlamaCpp, Math.abs(want[t] - stepped[i * v + t]));
                scale = Math.max(scale, Math.abs(x));
            }
        }
        String what = String.format("%s %s: max |logit| %.3f; from the exact: prompt %.3g, decoding %.3g, llama.cpp %.3g;"
                + " decoding from llama.cpp %.3g", spec.fileName(), spec.weightType(), scale, prompt, decoding, llamaCpp, oursVsLlamaCpp);
        // In place, only the order of float additions differs from the dequantized weights (measured ≤ 1.5e-6 of the scale).
        assertTrue(prompt <= 1e-4 * scale && decoding <= 1e-4 * scale, what);
        // llama.cpp rounds the activations too before every product: to Q8_0 blocks (int8 with a per-block scale, a
        // relative error up to 1/254 of each block's largest value) for Q8_0 and Q4_0 weights, to Q8_K for the K-quants,
        // to F16 or BF16 for those weights; through two layers and the LM head that moves its logits by up to 3.2 % of
        // the largest one here. We stay on the exact side, far closer.
        assertTrue(oursVsLlamaCpp <= 0.05 * scale, what);
        assertTrue(decoding < llamaCpp / 100, what);
    }

    /**
     * Heap after load: the F32 model holds its weights as floats; in place, the heap holds little
     * beyond the rows' offsets; with Q8_0's bytes and scales apart, it holds about the file's
     * size more (a byte per weight and a float per 32, against the file's 34 bytes per 32), and a
     * sixteenth of a byte per weight less with the file's halves kept instead of floats. All
     * hold the same tokenizer (Llama 3's 128256 tokens and 280147 merges, about 70 MB), which
     * bounds the ratio.
     */
    @org.junit.jupiter.api.Test
    void aQ8ModelsHeapIsAFractionOfTheF32Ones() throws java.io.IOException {
        Spec q8 = SyntheticModels.llama().withWeights(GgmlType.Q8_0);
        long file = java.nio.file.Files.size(SyntheticModels.gguf(q8));
        SyntheticModels.gguf(q8.withWeights(GgmlType.F32));
        long apart = heapOfLoaded(q8), f32 = heapOfLoaded(q8.withWeights(GgmlType.F32)), inPlace;
        System.setProperty("attentionsearch.q8_0.inPlace", "true");
        try {
            inPlace = heapOfLoaded(q8);
        } finally {
            System.clearProperty("attentionsearch.q8_0.inPlace");
        }
        String what = String.format("heap after load: Q8_0 in place %.1f MB, apart %.1f MB, F32 %.1f MB; file %.1f MB",
                inPlace / 1e6, apart / 1e6, f32 / 1e6, file / 1e6);
        System.out.println(what);
        assertTrue(f32 > 200e6, what); // the untied 128256 × 256 embedding table and LM head, 131 MB each
        assertTrue(inPlace < f32 / 4, what);
        assertTrue(f32 - inPlace > 200e6, what); // the two float tables (262 MB) and the layers' matrices, less their offsets
        assertTrue(apart - inPlace < 1.1 * file && apart - inPlace > 0.5 * file, what); // 36 bytes per 32 weights against the file's 34
    }

    /**
     * Q4_0 is kept as nibbles and the file's halves, the file's size at most; asked for bytes, as
     * signed bytes q − 8 and float scales, 36 bytes per 32 weights against 18.
     */
    @org.junit.jupiter.api.Test
    void aQ40ModelKeepsTheFilesSizeAsNibblesOrTwiceItAsBytes() throws java.io.IOException {
        Spec q4 = SyntheticModels.llama().withWeights(GgmlType.Q4_0);
        long file = java.nio.file.Files.size(SyntheticModels.gguf(q4));
        long nibbles = heapOfLoaded(q4), inPlace = heapWith("attentionsearch.q4_0.inPlace", q4);
        long bytes = heapWith("attentionsearch.q4_0.bytes", q4);
        String what = String.format("heap after load: Q4_0 in place %.1f MB, nibbles %.1f MB, bytes %.1f MB; file %.1f MB",
                inPlace / 1e6, nibbles / 1e6, bytes / 1e6, file / 1e6);
        System.out.println(what);
        assertTrue(nibbles - inPlace < 1.05 * file && nibbles - inPlace > 0.5 * file, what); // the file holds float norms too
        double ratio = (double) (bytes - inPlace) / (nibbles - inPlace); // (32 + 4) / (16 + 2) bytes per 32 weights: 2, less the float norms
        assertTrue(ratio > 1.7 && ratio < 2.1, what);
        System.setProperty("attentionsearch.q4_0.bytes", "true");
        try {
            assertInstanceOf(Int8Matrix.class, Model.load(ModelLoader.load(SyntheticModels.gguf(q4))).attention(0).outputWeight());
        } finally {
            System.clearProperty("attentionsearch.q4_0.bytes");
        }
    }

    private static long heapWith(String property, Spec spec) {
        System.setProperty(property, "true");
        try {
            return heapOfLoaded(spec);
        } finally {
            System.clearProperty(property);
        }
    }

    private static long heapOfLoaded(Spec spec) {
        long before = usedHeap();
        Model model = Model.load(ModelLoader.load(SyntheticModels.gguf(spec)));
        long after = usedHeap();
        java.lang.ref.Reference.reachabilityFence(model);
        return after - before;
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}
