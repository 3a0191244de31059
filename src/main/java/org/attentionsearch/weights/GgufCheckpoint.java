package org.attentionsearch.weights;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import org.attentionsearch.math.QuantizedMatrix;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.ModelType;
import org.attentionsearch.model.Rope;

/**
 * A GGUF file as a {@link Checkpoint}: llama.cpp's metadata keys become a {@link ModelConfig},
 * its tensor names Hugging Face's, in PyTorch layouts, so that the families read a GGUF file
 * exactly as they read a model directory. Tensors stay in the mapped file; matrices in F16,
 * BF16, Q8_0, Q4_0, Q4_K or Q6_K are offered as they lie, to be multiplied in place, and the
 * rest (F32, norms, biases) are converted when a family packs them.
 *
 * <p>llama.cpp's converter stores the q and k rows of the {@code llama} architecture permuted,
 * so that each rotary pair is two adjacent rows (ggml's "normal" rope); they are put back in
 * Hugging Face's order here (pair i is rows i and i + d/2 of a head), which is the order every
 * view shows. {@code qwen2} and {@code qwen3} files keep Hugging Face's order. GPT-2's Conv1D
 * weights are stored transposed and are transposed back.
 */
public final class GgufCheckpoint {

    private GgufCheckpoint() {
    }

    /** Reads a GGUF file; the file stays mapped while its tensors are in use. */
    public static Checkpoint read(Path path) {
        GgufFile f = GgufFile.openUntilUnreachable(path);
        String file = path.toString();
        String arch = f.string("general.architecture");
        ModelType type = ModelType.byId(arch).filter(t -> t != ModelType.BERT && t != ModelType.MISTRAL)
                .orElseThrow(() -> new ModelFormatException(file, "holds a model of architecture '" + arch
                        + "'; supported are llama (also Mistral and SmolLM2), qwen2, qwen3 and gpt2"));
        ModelConfig config;
        try {
            config = type == ModelType.GPT2 ? gpt2(f) : llama(f, type);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "has inconsistent metadata: " + e.getMessage(), e);
        }
        // The layer count bounds the work below: a declared count the tensors do not back is refused first.
        Checkpoint.checkLayers(config, f.tensors().stream().map(GgufTensor::name).toList(), file);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (Mapping m : mappings(config, arch, f)) tensors.put(m.hfName(), tensor(f, m, config, arch, file));
        return new Checkpoint(config, tensors, new TokenizerSource.Gguf(f.metadata(), file), null, file);
    }

    /** One tensor's GGUF name, its Hugging Face name and PyTorch shape, and how its values are reordered. */
    private record Mapping(String ggufName, String hfName, int[] shape, Reorder reorder) {
    }

    private enum Reorder { NONE, QUERY, KEY, TRANSPOSE }

    private static ModelConfig llama(GgufFile f, ModelType type) {
        String arch = type.id(), p = arch + ".";
        long experts = f.optionalLong(p + "expert_count").orElse(0);
        if (experts > 0) {
            throw new ModelFormatException(f.path().toString(), "is a mixture of experts (" + experts + " experts), which is not supported");
        }
        int hidden = positive(f, p + "embedding_length"), heads = positive(f, p + "attention.head_count");
        if (f.metadata().get(p + "attention.head_count_kv") instanceof List<?>) {
            throw new ModelFormatException(f.path().toString(), "gives each layer its own number of key/value heads, which is not supported");
        }
        int kvHeads = f.optionalLong(p + "attention.head_count_kv").isPresent() ? positive(f, p + "attention.head_count_kv") : heads;
        int headSize = f.optionalLong(p + "attention.key_length").isPresent() ? positive(f, p + "attention.key_length") : hidden / heads;
        GgufTensor embedding = f.tensor("token_embd.weight");
        boolean bias = arch.equals("qwen2") || f.findTensor("blk.0.attn_q.bias").isPresent();
        Rope rope = new Rope(f.optionalFloat(p + "rope.freq_base").orElse(10000f),
                (int) f.optionalLong(p + "rope.dimension_count").orElse(headSize), scaling(f, p, headSize));
        return ModelConfig.llama(type, checkedInt(embedding.dim(1), "token_embd.weight", f), hidden, positive(f, p + "block_count"),
                heads, kvHeads, headSize, positive(f, p + "feed_forward_length"), positive(f, p + "context_length"),
                f.floatValue(p + "attention.layer_norm_rms_epsilon"), rope, bias, type == ModelType.QWEN3,
                f.findTensor("output.weight").isEmpty(), 0); // llama.cpp's llama graph has no sliding window either
    }

    /** rope.scaling.type linear, or rope_freqs' per-pair divisors (Llama 3.1's when they are its formula's). */
    private static Rope.Scaling scaling(GgufFile f, String p, int headSize) {
        String type = f.optionalString(p + "rope.scaling.type").orElse("none");
        Rope.Scaling scaling = switch (type) {
            case "none" -> f.optionalFloat(p + "rope.scale_linear").<Rope.Scaling>map(Rope.Scaling.Linear::new)
                    .orElse(new Rope.Scaling.None());
            case "linear" -> new Rope.Scaling.Linear(f.floatValue(p + "rope.scaling.factor"));
            default -> throw new ModelFormatException(f.path().toString(), "uses rope scaling of type '" + type
                    + "'; only linear scaling and Llama 3's frequency factors are supported");
        };
        var factors = f.findTensor("rope_freqs.weight");
        if (factors.isEmpty()) return scaling;
        if (!(scaling instanceof Rope.Scaling.None)) {
            throw new ModelFormatException(f.path().toString(), "combines rope frequency factors with " + type + " scaling, which is not supported");
        }
        float[] divisors = f.floats(factors.get());
        double theta = f.optionalFloat(p + "rope.freq_base").orElse(10000f);
        int dims = (int) f.optionalLong(p + "rope.dimension_count").orElse(headSize);
        return llama3(divisors, theta, dims).orElse(new Rope.Scaling.Factors(divisors));
    }

    /**
     * The Llama 3.1 scaling whose divisors these are, when they are: the converter computes them
     * from factor, low/high frequency factors and the original context, which Llama 3.1, 3.2 and
     * 3.3 set to 8, 1, 4, 8192 (3.2's small models: factor 32).
     */
    private static Optional<Rope.Scaling> llama3(float[] divisors, double theta, int dims) {
        double factor = 0;
        for (float d : divisors) factor = Math.max(factor, d);
        if (!(factor > 1)) return Optional.empty();
        Rope.Scaling candidate = new Rope.Scaling.Llama3(factor, 1, 4, 8192);
        double[] plain = Rope.plain(theta, dims).frequencies(), scaled = new Rope(theta, dims, candidate).frequencies();
        for (int i = 0; i < divisors.length; i++) {
            if (Math.abs(plain[i] / scaled[i] - divisors[i]) > 1e-5 * divisors[i]) return Optional.empty();
        }
        return Optional.of(candidate);
    }

    private static ModelConfig gpt2(GgufFile f) {
        int hidden = positive(f, "gpt2.embedding_length"), heads = positive(f, "gpt2.attention.head_count");
        GgufTensor embedding = f.tensor("token_embd.weight");
        return ModelConfig.gpt2(checkedInt(embedding.dim(1), "token_embd.weight", f), hidden, positive(f, "gpt2.block_count"),
                heads, positive(f, "gpt2.feed_forward_length"), positive(f, "gpt2.context_length"),
                f.floatValue("gpt2.attention.layer_norm_epsilon"), ModelConfig.Activation.GELU_TANH, f.findTensor("output.weight").isEmpty());
    }

    /** A metadata size that must be a positive integer, named in the message when it is not. */
    private static int positive(GgufFile f, String key) {
        long v = f.longValue(key);
        if (v <= 0 || v > Integer.MAX_VALUE) throw new ModelFormatException(f.path().toString(), "has " + key + " " + v + "; it must be a positive size");
        return (int) v;
    }

    private static int checkedInt(long v, String what, GgufFile f) {
        if (v <= 0 || v > Integer.MAX_VALUE) throw new ModelFormatException(f.path().toString(), what + " has an impossible size " + v);
        return (int) v;
    }

    /** Every tensor the family reads, under both names. */
    private static List<Mapping> mappings(ModelConfig c, String arch, GgufFile f) {
        List<Mapping> m = new ArrayList<>();
        int h = c.hiddenSize(), v = c.vocabSize(), ffn = c.intermediateSize(), q = c.queryWidth(), kv = c.keyValueWidth();
        if (c.family() == ModelConfig.Family.GPT2) {
            m.add(new Mapping("token_embd.weight", "wte.weight", new int[] {v, h}, Reorder.NONE));
            m.add(new Mapping("position_embd.weight", "wpe.weight", new int[] {c.maxPositions(), h}, Reorder.NONE));
            for (int l = 0; l < c.layers(); l++) {
                String g = "blk." + l + ".", p = "h." + l + ".";
                m.add(new Mapping(g + "attn_norm.weight", p + "ln_1.weight", new int[] {h}, Reorder.NONE));
                m.add(new Mapping(g + "attn_norm.bias", p + "ln_1.bias", new int[] {h}, Reorder.NONE));
                m.add(new Mapping(g + "attn_qkv.weight", p + "attn.c_attn.weight", new int[] {h, 3 * h}, Reorder.TRANSPOSE));
                m.add(new Mapping(g + "attn_qkv.bias", p + "attn.c_attn.bias", new int[] {3 * h}, Reorder.NONE));
                m.add(new Mapping(g + "attn_output.weight", p + "attn.c_proj.weight", new int[] {h, h}, Reorder.TRANSPOSE));
                m.add(new Mapping(g + "attn_output.bias", p + "attn.c_proj.bias", new int[] {h}, Reorder.NONE));
                m.add(new Mapping(g + "ffn_norm.weight", p + "ln_2.weight", new int[] {h}, Reorder.NONE));
                m.add(new Mapping(g + "ffn_norm.bias", p + "ln_2.bias", new int[] {h}, Reorder.NONE));
                m.add(new Mapping(g + "ffn_up.weight", p + "mlp.c_fc.weight", new int[] {h, ffn}, Reorder.TRANSPOSE));
                m.add(new Mapping(g + "ffn_up.bias", p + "mlp.c_fc.bias", new int[] {ffn}, Reorder.NONE));
                m.add(new Mapping(g + "ffn_down.weight", p + "mlp.c_proj.weight", new int[] {ffn, h}, Reorder.TRANSPOSE));
                m.add(new Mapping(g + "ffn_down.bias", p + "mlp.c_proj.bias", new int[] {h}, Reorder.NONE));
            }
            m.add(new Mapping("output_norm.weight", "ln_f.weight", new int[] {h}, Reorder.NONE));
            m.add(new Mapping("output_norm.bias", "ln_f.bias", new int[] {h}, Reorder.NONE));
            if (!c.tiedEmbeddings()) m.add(new Mapping("output.weight", "lm_head.weight", new int[] {v, h}, Reorder.NONE));
            return m;
        }
        boolean permuted = c.modelType() == ModelType.LLAMA; // llama.cpp's converter permutes q and k rows for this architecture only
        m.add(new Mapping("token_embd.weight", "model.embed_tokens.weight", new int[] {v, h}, Reorder.NONE));
        for (int l = 0; l < c.layers(); l++) {
            String g = "blk." + l + ".", p = "model.layers." + l + ".", a = p + "self_attn.";
            m.add(new Mapping(g + "attn_norm.weight", p + "input_layernorm.weight", new int[] {h}, Reorder.NONE));
            m.add(new Mapping(g + "attn_q.weight", a + "q_proj.weight", new int[] {q, h}, permuted ? Reorder.QUERY : Reorder.NONE));
            m.add(new Mapping(g + "attn_k.weight", a + "k_proj.weight", new int[] {kv, h}, permuted ? Reorder.KEY : Reorder.NONE));
            m.add(new Mapping(g + "attn_v.weight", a + "v_proj.weight", new int[] {kv, h}, Reorder.NONE));
            if (c.attentionBias()) {
                m.add(new Mapping(g + "attn_q.bias", a + "q_proj.bias", new int[] {q}, permuted ? Reorder.QUERY : Reorder.NONE));
                m.add(new Mapping(g + "attn_k.bias", a + "k_proj.bias", new int[] {kv}, permuted ? Reorder.KEY : Reorder.NONE));
                m.add(new Mapping(g + "attn_v.bias", a + "v_proj.bias", new int[] {kv}, Reorder.NONE));
            }
            if (f.findTensor(g + "attn_output.bias").isPresent()) {
                m.add(new Mapping(g + "attn_output.bias", a + "o_proj.bias", new int[] {h}, Reorder.NONE));
            }
            if (c.queryKeyNorm()) {
                m.add(new Mapping(g + "attn_q_norm.weight", a + "q_norm.weight", new int[] {c.headSize()}, Reorder.NONE));
                m.add(new Mapping(g + "attn_k_norm.weight", a + "k_norm.weight", new int[] {c.headSize()}, Reorder.NONE));
            }
            m.add(new Mapping(g + "attn_output.weight", a + "o_proj.weight", new int[] {h, q}, Reorder.NONE));
            m.add(new Mapping(g + "ffn_norm.weight", p + "post_attention_layernorm.weight", new int[] {h}, Reorder.NONE));
            m.add(new Mapping(g + "ffn_gate.weight", p + "mlp.gate_proj.weight", new int[] {ffn, h}, Reorder.NONE));
            m.add(new Mapping(g + "ffn_up.weight", p + "mlp.up_proj.weight", new int[] {ffn, h}, Reorder.NONE));
            m.add(new Mapping(g + "ffn_down.weight", p + "mlp.down_proj.weight", new int[] {h, ffn}, Reorder.NONE));
        }
        m.add(new Mapping("output_norm.weight", "model.norm.weight", new int[] {h}, Reorder.NONE));
        if (!c.tiedEmbeddings()) m.add(new Mapping("output.weight", "lm_head.weight", new int[] {v, h}, Reorder.NONE));
        return m;
    }

    /** The lazy tensor for one mapping, after checking that the file holds it with the shape the configuration needs. */
    private static Tensor tensor(GgufFile f, Mapping m, ModelConfig c, String arch, String file) {
        GgufTensor t = f.findTensor(m.ggufName()).orElseThrow(() -> new ModelFormatException(file, "has no tensor " + m.ggufName()
                + ", which a " + arch + " model of " + c.layers() + " layers needs"));
        // ggml lists dimensions fastest first: a stored [rows × cols] matrix has dims {cols, rows}.
        int[] stored = m.reorder() == Reorder.TRANSPOSE ? new int[] {m.shape()[1], m.shape()[0]} : m.shape();
        long[] want = new long[stored.length];
        for (int i = 0; i < stored.length; i++) want[i] = stored[stored.length - 1 - i];
        if (!Arrays.equals(t.dims(), want)) {
            throw new ModelFormatException(file, "tensor " + m.ggufName() + " has dimensions " + Arrays.toString(t.dims())
                    + " but the metadata implies " + Arrays.toString(want));
        }
        if (!t.type().readable()) {
            throw new ModelFormatException(file, "tensor " + m.ggufName() + " has type " + t.type()
                    + ", which is not supported (supported: F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K)");
        }
        FiniteWeights.check(t.type(), f.data(t), m.ggufName(), file);
        int d = c.headSize();
        Supplier<float[]> all = () -> switch (m.reorder()) {
            case NONE -> f.floats(t);
            case QUERY -> unpermute(f.floats(t), c.heads(), d);
            case KEY -> unpermute(f.floats(t), c.kvHeads(), d);
            case TRANSPOSE -> transpose(f.floats(t), stored[0], stored[1]);
        };
        // Rows as stored are rows as Hugging Face has them only without a reordering (the vocabulary tables).
        Tensor lazy = m.reorder() == Reorder.NONE ? Tensor.lazy(m.hfName(), m.shape(), all, (first, count) -> f.rows(t, first, count))
                : Tensor.lazy(m.hfName(), m.shape(), all);
        return inPlace(t.type()).filter(format -> m.shape().length == 2)
                .map(format -> lazy.withQuantized(quantized(f, t, format, m.reorder(), c))).orElse(lazy);
    }

    /** Set to true, quantized weights are dequantized to float32 at load as other types are (to compare the two). */
    static final String DEQUANTIZE_PROPERTY = "attentionsearch.gguf.dequantize";

    /** The format a matrix of this type is multiplied by in place, if any (F32 is packed instead). */
    private static Optional<QuantizedMatrix.Format> inPlace(GgmlType type) {
        if (Boolean.getBoolean(DEQUANTIZE_PROPERTY)) return Optional.empty();
        return switch (type) {
            case F16 -> Optional.of(QuantizedMatrix.Format.F16);
            case BF16 -> Optional.of(QuantizedMatrix.Format.BF16);
            case Q8_0 -> Optional.of(QuantizedMatrix.Format.Q8_0);
            case Q4_0 -> Optional.of(QuantizedMatrix.Format.Q4_0);
            case Q4_K -> Optional.of(QuantizedMatrix.Format.Q4_K);
            case Q6_K -> Optional.of(QuantizedMatrix.Format.Q6_K);
            default -> Optional.empty();
        };
    }

    /**
     * The stored rows of a matrix in the order the layer needs them: as stored (a transposed
     * GPT-2 Conv1D weight's stored rows are its columns, as {@link Tensor#withQuantized} wants),
     * or with llama's q/k permutation undone by pointing each row at its stored one.
     */
    private static QuantizedMatrix quantized(GgufFile f, GgufTensor t, QuantizedMatrix.Format format, Reorder reorder, ModelConfig c) {
        int k = (int) t.rowLength(), n = (int) t.rows(), d = c.headSize();
        long start = f.start(t), rowBytes = format.rowBytes(k);
        long[] offsets = new long[n];
        for (int row = 0; row < n; row++) {
            int stored = switch (reorder) { // Hugging Face's row h·d + half·d/2 + i is stored as h·d + 2i + half
                case QUERY, KEY -> {
                    int h = row / d, within = row % d, half = within / (d / 2), i = within % (d / 2);
                    yield h * d + 2 * i + half;
                }
                case NONE, TRANSPOSE -> row;
            };
            offsets[row] = start + stored * rowBytes;
        }
        return QuantizedMatrix.of(format, f.mapping(), offsets, k);
    }

    /**
     * Undoes the converter's q/k permutation: within each head, stored row 2i + half holds
     * Hugging Face's row half·d/2 + i. Works row by row, so a bias (rows of one value) too.
     */
    static float[] unpermute(float[] stored, int heads, int d) {
        int width = stored.length / (heads * d);
        float[] out = new float[stored.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < d / 2; i++) {
                for (int half = 0; half < 2; half++) {
                    System.arraycopy(stored, (h * d + 2 * i + half) * width, out, (h * d + half * (d / 2) + i) * width, width);
                }
            }
        }
        return out;
    }

    /** [rows × cols] row-major to [cols × rows]. */
    private static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        }
        return t;
    }
}
