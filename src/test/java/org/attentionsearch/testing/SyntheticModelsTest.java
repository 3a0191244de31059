package org.attentionsearch.testing;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.attentionsearch.testing.LlamaCpp.Model;
import org.attentionsearch.testing.LlamaCpp.Run;
import org.attentionsearch.testing.SyntheticModels.Architecture;
import org.attentionsearch.testing.SyntheticModels.Spec;
import org.attentionsearch.weights.GgmlType;
import org.attentionsearch.weights.GgufFile;
import org.attentionsearch.weights.GgufTensor;
import org.attentionsearch.weights.SafeTensors;
import org.attentionsearch.weights.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The GGUF file and the Hugging Face directory of each synthetic model hold the same model:
 * the same numbers under convert_hf_to_gguf.py's names and layouts, and llama.cpp's queries,
 * keys and values on the GGUF equal those recomputed here from the Hugging Face weights with
 * transformers' conventions (half-split rotary, Llama 3.1 frequency scaling, Conv1D).
 */
class SyntheticModelsTest {

    static Stream<Spec> models() {
        return Stream.of(SyntheticModels.llama(), SyntheticModels.llama().withRopeScaling(true), SyntheticModels.llama2(),
                SyntheticModels.qwen2(), SyntheticModels.qwen3(), SyntheticModels.gpt2());
    }

    @ParameterizedTest
    @MethodSource("models")
    void ggufHoldsTheHuggingFaceWeights(Spec spec) throws IOException {
        Path hf = SyntheticModels.huggingFace(spec);
        Map<String, Tensor> weights = SafeTensors.read(hf.resolve("model.safetensors"));
        JsonNode config = Vocabulary.parse(Files.readAllBytes(hf.resolve("config.json")));
        assertEquals(spec.architecture().transformersClass(), config.get("architectures").get(0).asText());
        assertEquals(spec.vocabulary().size(), config.get("vocab_size").asInt());
        assertTrue(Files.isRegularFile(hf.resolve("tokenizer.json")) && Files.isRegularFile(hf.resolve("tokenizer_config.json"))
                && Files.isRegularFile(hf.resolve("generation_config.json")));

        try (GgufFile gguf = GgufFile.open(SyntheticModels.gguf(spec))) {
            String arch = spec.architecture().ggufName();
            assertEquals(arch, gguf.string("general.architecture"));
            assertEquals(spec.layers(), gguf.intValue(arch + ".block_count"));
            assertEquals(spec.hidden(), gguf.intValue(arch + ".embedding_length"));
            assertEquals(spec.feedForward(), gguf.intValue(arch + ".feed_forward_length"));
            assertEquals(spec.heads(), gguf.intValue(arch + ".attention.head_count"));
            assertEquals(spec.context(), gguf.intValue(arch + ".context_length"));
            assertEquals(0, gguf.intValue("general.file_type"));
            assertEquals(spec.vocabulary().size(), gguf.list("tokenizer.ggml.tokens").size());
            if (spec.architecture() != Architecture.GPT2) {
                assertEquals(spec.kvHeads(), gguf.intValue(arch + ".attention.head_count_kv"));
                assertEquals((float) spec.normEps(), gguf.floatValue(arch + ".attention.layer_norm_rms_epsilon"));
                assertEquals((float) spec.ropeTheta(), gguf.floatValue(arch + ".rope.freq_base"));
            }

            Map<String, String> names = expectedNames(spec, weights);
            int extra = spec.ropeScaling() ? 1 : 0; // rope_freqs
            assertEquals(weights.size() + extra, gguf.tensors().size());
            for (Map.Entry<String, String> e : names.entrySet()) {
                Tensor t = weights.get(e.getKey());
                GgufTensor g = gguf.tensor(e.getValue());
                assertEquals(GgmlType.F32, g.type(), g.name());
                float[] expected = hfToGgml(spec, t);
                int[] shape = ggmlShape(spec, t);
                long[] dims = new long[shape.length];
                for (int i = 0; i < shape.length; i++) dims[i] = shape[shape.length - 1 - i];
                assertArrayEquals(dims, g.dims(), g.name());
                assertArrayEquals(expected, gguf.floats(g), g.name());
            }
            assertEquals(spec.tiedEmbeddings(), gguf.findTensor("output.weight").isEmpty());
        }
    }

    /** GGUF's name for each Hugging Face tensor, written out here as the converter's tensor map has them. */
    private static Map<String, String> expectedNames(Spec spec, Map<String, Tensor> weights) {
        Map<String, String> names = new HashMap<>();
        boolean gpt2 = spec.architecture() == Architecture.GPT2;
        String[][] perLayer = gpt2 ? new String[][] {
                {"ln_1.weight", "attn_norm.weight"}, {"ln_1.bias", "attn_norm.bias"},
                {"attn.c_attn.weight", "attn_qkv.weight"}, {"attn.c_attn.bias", "attn_qkv.bias"},
                {"attn.c_proj.weight", "attn_output.weight"}, {"attn.c_proj.bias", "attn_output.bias"},
                {"ln_2.weight", "ffn_norm.weight"}, {"ln_2.bias", "ffn_norm.bias"},
                {"mlp.c_fc.weight", "ffn_up.weight"}, {"mlp.c_fc.bias", "ffn_up.bias"},
                {"mlp.c_proj.weight", "ffn_down.weight"}, {"mlp.c_proj.bias", "ffn_down.bias"}}
                : new String[][] {
                {"input_layernorm.weight", "attn_norm.weight"},
                {"self_attn.q_proj.weight", "attn_q.weight"}, {"self_attn.k_proj.weight", "attn_k.weight"},
                {"self_attn.v_proj.weight", "attn_v.weight"}, {"self_attn.o_proj.weight", "attn_output.weight"},
                {"self_attn.q_proj.bias", "attn_q.bias"}, {"self_attn.k_proj.bias", "attn_k.bias"}, {"self_attn.v_proj.bias", "attn_v.bias"},
                {"self_attn.q_norm.weight", "attn_q_norm.weight"}, {"self_attn.k_norm.weight", "attn_k_norm.weight"},
                {"post_attention_layernorm.weight", "ffn_norm.weight"},
                {"mlp.gate_proj.weight", "ffn_gate.weight"}, {"mlp.up_proj.weight", "ffn_up.weight"}, {"mlp.down_proj.weight", "ffn_down.weight"}};
        for (int l = 0; l < spec.layers(); l++) {
            for (String[] pair : perLayer) {
                String hfName = (gpt2 ? "h." : "model.layers.") + l + "." + pair[0];
                if (weights.containsKey(hfName)) names.put(hfName, "blk." + l + "." + pair[1]);
            }
        }
        if (gpt2) {
            names.putAll(Map.of("wte.weight", "token_embd.weight", "wpe.weight", "position_embd.weight",
                    "ln_f.weight", "output_norm.weight", "ln_f.bias", "output_norm.bias"));
        } else {
            names.putAll(Map.of("model.embed_tokens.weight", "token_embd.weight", "model.norm.weight", "output_norm.weight"));
            if (weights.containsKey("lm_head.weight")) names.put("lm_head.weight", "output.weight");
        }
        assertEquals(weights.keySet(), names.keySet());
        return names;
    }

    /** The tensor's values as GGUF stores them: Llama's q/k rows in adjacent-pair order, GPT-2's Conv1D transposed. */
    private static float[] hfToGgml(Spec spec, Tensor t) {
        float[] w = t.data();
        if (spec.architecture() == Architecture.LLAMA && (t.name().endsWith("q_proj.weight") || t.name().endsWith("k_proj.weight"))) {
            int heads = t.name().endsWith("q_proj.weight") ? spec.heads() : spec.kvHeads();
            int d = spec.headDim();
            int cols = t.dim(1);
            float[] out = new float[w.length];
            for (int h = 0; h < heads; h++) {
                for (int r = 0; r < d; r++) {
                    int from = h * d + (r % 2) * (d / 2) + r / 2; // adjacent pair (2i, 2i+1) ← rows i and i + d/2
                    System.arraycopy(w, from * cols, out, (h * d + r) * cols, cols);
                }
            }
            return out;
        }
        if (spec.architecture() == Architecture.GPT2 && t.rank() == 2 && !t.name().startsWith("w")) {
            int rows = t.dim(0), cols = t.dim(1);
            float[] out = new float[w.length];
            for (int r = 0; r < rows; r++) for (int c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
            return out;
        }
        return w;
    }

    private static int[] ggmlShape(Spec spec, Tensor t) {
        if (spec.architecture() == Architecture.GPT2 && t.rank() == 2 && !t.name().startsWith("w")) {
            return new int[] {t.dim(1), t.dim(0)};
        }
        return t.shape();
    }

    /** Every weight type keeps norms, biases and position embeddings in F32 and gives the matrices the type asked for. */
    @Test
    void weightTypesFollowTheConverter() {
        Spec spec = SyntheticModels.gpt2().withWeights(GgmlType.Q4_0);
        try (GgufFile gguf = GgufFile.open(SyntheticModels.gguf(spec))) {
            assertEquals(2, gguf.intValue("general.file_type"));
            for (GgufTensor t : gguf.tensors()) {
                boolean matrix = t.rank() == 2 && !t.name().equals("position_embd.weight");
                assertEquals(matrix ? GgmlType.Q4_0 : GgmlType.F32, t.type(), t.name());
            }
        } finally {
            SyntheticModels.discard(spec);
        }
    }

    // ---- llama.cpp's queries, keys and values against a recomputation from the Hugging Face weights

    private static final String PROMPT = "Attention is all you need, they said, and then the heads began to search.";

    @ParameterizedTest
    @MethodSource("models")
    void llamaCppComputesTheHuggingFaceAttentionInputs(Spec spec) throws IOException {
        Map<String, Tensor> w = materialize(SafeTensors.read(SyntheticModels.huggingFace(spec).resolve("model.safetensors")),
                name -> name.matches("(model\\.layers\\.0\\.|h\\.0\\.|model\\.embed_tokens|wte|wpe).*"));
        try (Model m = LlamaCpp.load(SyntheticModels.gguf(spec))) {
            int[] tokens = LlamaCpp.tokenize(m, PROMPT, true, false);
            Run run = LlamaCpp.decode(m, tokens, n -> n.equals("attn_norm-0") || n.equals("Qcur-0") || n.equals("Kcur-0")
                    || n.equals("Vcur-0"), 2);
            int n = tokens.length;
            int hidden = spec.hidden();
            float[] normed = run.last("attn_norm-0").data(); // [n][hidden]
            assertEquals(n * hidden, normed.length);
            // the normed input from the embeddings, as transformers computes it
            for (int p = 0; p < n; p++) {
                float[] x = embedding(spec, w, tokens[p], p);
                float[] expected = spec.architecture() == Architecture.GPT2
                        ? layerNorm(x, w.get("h.0.ln_1.weight").data(), w.get("h.0.ln_1.bias").data(), spec.normEps())
                        : rmsNorm(x, w.get("model.layers.0.input_layernorm.weight").data(), spec.normEps());
                assertClose(expected, slice(normed, p * hidden, hidden), 1e-4, "attn_norm-0 at " + p);
            }
            float[][][] q = new float[n][][];
            float[][][] k = new float[n][][];
            float[][][] v = new float[n][][];
            for (int p = 0; p < n; p++) {
                float[] a = slice(normed, p * hidden, hidden);
                float[][][] qkv = huggingFaceQkv(spec, w, a, p);
                q[p] = qkv[0];
                k[p] = qkv[1];
                v[p] = qkv[2];
            }
            assertHeads(spec, run.last("Qcur-0"), q, spec.heads(), true);
            assertHeads(spec, run.last("Kcur-0"), k, spec.kvHeads(), true);
            assertHeads(spec, run.last("Vcur-0"), v, spec.kvHeads(), false);
        }
    }

    /** The wanted tensors with their values computed once (a mapped file's tensors compute them on every call of data()). */
    private static Map<String, Tensor> materialize(Map<String, Tensor> tensors, Predicate<String> wanted) {
        Map<String, Tensor> out = new HashMap<>();
        tensors.forEach((name, t) -> {
            if (wanted.test(name)) out.put(name, new Tensor(name, t.shape(), t.data()));
        });
        return out;
    }

    private static float[] embedding(Spec spec, Map<String, Tensor> w, int token, int position) {
        int hidden = spec.hidden();
        if (spec.architecture() == Architecture.GPT2) {
            float[] x = slice(w.get("wte.weight").data(), token * hidden, hidden);
            float[] pos = slice(w.get("wpe.weight").data(), position * hidden, hidden);
            for (int i = 0; i < hidden; i++) x[i] += pos[i];
            return x;
        }
        return slice(w.get("model.embed_tokens.weight").data(), token * hidden, hidden);
    }

    /** Per position: query, key and value heads [head][dim] as transformers computes them, rotary applied. */
    private static float[][][] huggingFaceQkv(Spec spec, Map<String, Tensor> w, float[] a, int position) {
        int d = spec.headDim();
        if (spec.architecture() == Architecture.GPT2) {
            Tensor cAttn = w.get("h.0.attn.c_attn.weight"); // Conv1D: y = a · W + b, W [in, 3·hidden]
            float[] y = w.get("h.0.attn.c_attn.bias").data().clone();
            int out = cAttn.dim(1);
            for (int i = 0; i < a.length; i++) for (int o = 0; o < out; o++) y[o] += a[i] * cAttn.data()[i * out + o];
            int h = spec.hidden();
            return new float[][][] {heads(slice(y, 0, h), d), heads(slice(y, h, h), d), heads(slice(y, 2 * h, h), d)};
        }
        String p = "model.layers.0.self_attn.";
        float[][] q = heads(linear(w, p + "q_proj", a), d);
        float[][] k = heads(linear(w, p + "k_proj", a), d);
        float[][] v = heads(linear(w, p + "v_proj", a), d);
        if (spec.architecture() == Architecture.QWEN3) {
            for (float[] head : q) System.arraycopy(rmsNorm(head, w.get(p + "q_norm.weight").data(), spec.normEps()), 0, head, 0, d);
            for (float[] head : k) System.arraycopy(rmsNorm(head, w.get(p + "k_norm.weight").data(), spec.normEps()), 0, head, 0, d);
        }
        double[] invFreq = inverseFrequencies(spec);
        for (float[] head : q) rotateHalf(head, invFreq, position);
        for (float[] head : k) rotateHalf(head, invFreq, position);
        return new float[][][] {q, k, v};
    }

    /** transformers' inv_freq, with _compute_llama3_parameters when the model has rope_scaling llama3. */
    private static double[] inverseFrequencies(Spec spec) {
        int d = spec.headDim();
        double[] inv = new double[d / 2];
        for (int i = 0; i < d / 2; i++) inv[i] = 1 / Math.pow(spec.ropeTheta(), 2.0 * i / d);
        if (!spec.ropeScaling()) return inv;
        double factor = 8, low = 1, high = 4, original = 8192;
        for (int i = 0; i < inv.length; i++) {
            double wavelen = 2 * Math.PI / inv[i];
            if (wavelen > original / low) {
                inv[i] /= factor;
            } else if (wavelen >= original / high) {
                double smooth = (original / wavelen - low) / (high - low);
                inv[i] = (1 - smooth) * inv[i] / factor + smooth * inv[i];
            }
        }
        return inv;
    }

    /** q·cos + rotate_half(q)·sin: dimension i pairs with i + d/2. */
    private static void rotateHalf(float[] x, double[] invFreq, int position) {
        int half = x.length / 2;
        for (int i = 0; i < half; i++) {
            double angle = position * invFreq[i];
            double cos = Math.cos(angle), sin = Math.sin(angle);
            double a = x[i], b = x[i + half];
            x[i] = (float) (a * cos - b * sin);
            x[i + half] = (float) (b * cos + a * sin);
        }
    }

    /**
     * llama.cpp's tensor [dim × heads × n] against transformers' heads; Llama's GGUF rows (and
     * so llama.cpp's query and key dimensions) are in adjacent-pair order.
     */
    private static void assertHeads(Spec spec, LlamaCpp.Captured captured, float[][][] expected, int heads, boolean rotary) {
        int d = spec.headDim();
        int n = expected.length;
        assertArrayEquals(new long[] {d, heads, n}, captured.ne(), captured.name());
        boolean adjacent = rotary && spec.architecture() == Architecture.LLAMA;
        for (int p = 0; p < n; p++) {
            for (int h = 0; h < heads; h++) {
                float[] actual = new float[d];
                for (int r = 0; r < d; r++) {
                    int hfDim = adjacent ? (r % 2) * (d / 2) + r / 2 : r;
                    actual[hfDim] = captured.at(r, h, p);
                }
                assertClose(expected[p][h], actual, 2e-4, captured.name() + " position " + p + " head " + h);
            }
        }
    }

    private static float[] linear(Map<String, Tensor> w, String prefix, float[] a) {
        Tensor weight = w.get(prefix + ".weight");
        Tensor bias = w.get(prefix + ".bias");
        int out = weight.dim(0), in = weight.dim(1);
        float[] y = new float[out];
        for (int o = 0; o < out; o++) {
            double s = bias == null ? 0 : bias.data()[o];
            for (int i = 0; i < in; i++) s += (double) weight.data()[o * in + i] * a[i];
            y[o] = (float) s;
        }
        return y;
    }

    private static float[][] heads(float[] x, int d) {
        float[][] out = new float[x.length / d][];
        for (int h = 0; h < out.length; h++) out[h] = slice(x, h * d, d);
        return out;
    }

    private static float[] rmsNorm(float[] x, float[] weight, double eps) {
        double ss = 0;
        for (float v : x) ss += (double) v * v;
        double scale = 1 / Math.sqrt(ss / x.length + eps);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) (x[i] * scale * weight[i]);
        return out;
    }

    private static float[] layerNorm(float[] x, float[] weight, float[] bias, double eps) {
        double mean = 0;
        for (float v : x) mean += v;
        mean /= x.length;
        double var = 0;
        for (float v : x) var += (v - mean) * (v - mean);
        double scale = 1 / Math.sqrt(var / x.length + eps);
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) out[i] = (float) ((x[i] - mean) * scale * weight[i] + bias[i]);
        return out;
    }

    private static float[] slice(float[] a, int from, int length) {
        float[] out = new float[length];
        System.arraycopy(a, from, out, 0, length);
        return out;
    }

    /** Equal within {@code tolerance} of the vector's largest magnitude (float32 sums in another order). */
    private static void assertClose(float[] expected, float[] actual, double tolerance, String what) {
        assertEquals(expected.length, actual.length, what);
        double scale = 1e-6;
        for (float v : expected) scale = Math.max(scale, Math.abs(v));
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < expected.length; i++) {
            if (Math.abs(expected[i] - actual[i]) > tolerance * scale) bad.add(i + ": " + expected[i] + " vs " + actual[i]);
        }
        assertTrue(bad.isEmpty(), what + ": " + bad.size() + " values differ, e.g. " + (bad.isEmpty() ? "" : bad.get(0)));
    }

    @Test
    void vocabularyFilesHaveNoTensors() {
        for (Vocabulary v : Vocabulary.values()) {
            try (GgufFile f = GgufFile.open(SyntheticModels.vocabularyGguf(v))) {
                assertTrue(f.tensors().isEmpty());
                assertEquals(v.size(), f.list("tokenizer.ggml.tokens").size());
                assertEquals(v.byteLevel() ? "gpt2" : "llama", f.string("tokenizer.ggml.model"));
                assertEquals(v.byteLevel(), f.optionalList("tokenizer.ggml.merges").isPresent());
                assertEquals(!v.byteLevel(), f.optionalList("tokenizer.ggml.scores").isPresent());
            }
        }
    }
}
