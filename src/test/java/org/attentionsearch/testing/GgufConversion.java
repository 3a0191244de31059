package org.attentionsearch.testing;

import java.util.Map;

import org.attentionsearch.testing.SyntheticModels.Architecture;
import org.attentionsearch.testing.SyntheticModels.Spec;
import org.attentionsearch.weights.GgmlType;
import org.attentionsearch.weights.Tensor;

/**
 * What llama.cpp's convert_hf_to_gguf.py makes of a synthetic model's Hugging Face checkpoint:
 * its metadata keys in its order, tensors renamed to GGUF's names in the order safetensors
 * lists them, Llama's query and key rows permuted from half-split to adjacent-pair rotary,
 * GPT-2's Conv1D matrices transposed, shapes reversed into ggml order, and each tensor's type
 * chosen as it chooses: 1-D tensors, norms, biases and position embeddings F32, every other
 * matrix the requested type, or F16 when its rows do not fill whole blocks of that type.
 */
final class GgufConversion {

    private GgufConversion() {
    }

    static GgufWriter of(Spec s, Map<String, Tensor> hf) {
        GgufWriter w = metadataOnly(s);
        if (s.ropeScaling()) {
            float[] factors = llama3RopeFactors(s);
            w.tensor("rope_freqs.weight", GgmlType.F32, new long[] {factors.length}, factors);
        }
        for (Tensor t : hf.values()) {
            String name = ggufName(s.architecture(), t.name());
            float[] data = t.data();
            int[] shape = t.shape();
            if (s.architecture() == Architecture.LLAMA && t.name().endsWith("q_proj.weight")) {
                data = permuteRotary(data, shape, s.heads());
            } else if (s.architecture() == Architecture.LLAMA && t.name().endsWith("k_proj.weight")) {
                data = permuteRotary(data, shape, s.kvHeads());
            } else if (s.architecture() == Architecture.GPT2 && t.name().matches(".*(c_attn|c_proj|c_fc)\\.weight")) {
                data = transpose(data, shape[0], shape[1]);
                shape = new int[] {shape[1], shape[0]};
            }
            long[] dims = new long[shape.length];
            for (int i = 0; i < shape.length; i++) dims[i] = shape[shape.length - 1 - i];
            w.tensor(name, typeOf(name, dims, s.weightType()), dims, data);
        }
        return w;
    }

    /** The metadata alone (a file llama.cpp can load vocabulary-only). */
    static GgufWriter metadataOnly(Spec s) {
        GgufWriter w = new GgufWriter();
        String arch = s.architecture().ggufName();
        w.putString("general.architecture", arch);
        w.putString("general.type", "model");
        w.putString("general.name", "Synthetic " + s.fileName());
        w.putUint32(arch + ".block_count", s.layers());
        w.putUint32(arch + ".context_length", s.context());
        w.putUint32(arch + ".embedding_length", s.hidden());
        w.putUint32(arch + ".feed_forward_length", s.feedForward());
        w.putUint32(arch + ".attention.head_count", s.heads());
        if (s.architecture() == Architecture.GPT2) {
            w.putFloat32(arch + ".attention.layer_norm_epsilon", (float) s.normEps());
            w.putUint32("general.file_type", fileType(s.weightType()));
        } else {
            w.putUint32(arch + ".attention.head_count_kv", s.kvHeads());
            w.putFloat32(arch + ".rope.freq_base", (float) s.ropeTheta());
            w.putFloat32(arch + ".attention.layer_norm_rms_epsilon", (float) s.normEps());
            if (HuggingFaceDirectory.savesHeadDim(s.architecture())) {
                w.putUint32(arch + ".attention.key_length", s.headDim());
                w.putUint32(arch + ".attention.value_length", s.headDim());
            }
            w.putUint32("general.file_type", fileType(s.weightType()));
            if (s.architecture() == Architecture.LLAMA) {
                w.putUint32(arch + ".vocab_size", s.vocabulary().size());
                w.putUint32(arch + ".rope.dimension_count", s.headDim());
            }
        }
        w.putUint32("general.quantization_version", 2);
        ConvertedTokenizer.metadata(s.vocabulary(), s.vocabulary().size(), s.vocabulary().bos(), s.vocabulary().eos()).forEach(w::put);
        return w;
    }

    /** GGUF's name for a Hugging Face tensor name. */
    static String ggufName(Architecture arch, String hf) {
        if (arch == Architecture.GPT2) {
            if (hf.equals("wte.weight")) return "token_embd.weight";
            if (hf.equals("wpe.weight")) return "position_embd.weight";
            return hf.replaceFirst("^ln_f\\.", "output_norm.")
                    .replaceFirst("^h\\.(\\d+)\\.ln_1\\.", "blk.$1.attn_norm.")
                    .replaceFirst("^h\\.(\\d+)\\.attn\\.c_attn\\.", "blk.$1.attn_qkv.")
                    .replaceFirst("^h\\.(\\d+)\\.attn\\.c_proj\\.", "blk.$1.attn_output.")
                    .replaceFirst("^h\\.(\\d+)\\.ln_2\\.", "blk.$1.ffn_norm.")
                    .replaceFirst("^h\\.(\\d+)\\.mlp\\.c_fc\\.", "blk.$1.ffn_up.")
                    .replaceFirst("^h\\.(\\d+)\\.mlp\\.c_proj\\.", "blk.$1.ffn_down.");
        }
        return switch (hf) {
            case "model.embed_tokens.weight" -> "token_embd.weight";
            case "model.norm.weight" -> "output_norm.weight";
            case "lm_head.weight" -> "output.weight";
            default -> hf.replaceFirst("^model\\.layers\\.(\\d+)\\.", "blk.$1.")
                    .replace("input_layernorm.", "attn_norm.")
                    .replace("self_attn.q_proj.", "attn_q.")
                    .replace("self_attn.k_proj.", "attn_k.")
                    .replace("self_attn.v_proj.", "attn_v.")
                    .replace("self_attn.o_proj.", "attn_output.")
                    .replace("self_attn.q_norm.", "attn_q_norm.")
                    .replace("self_attn.k_norm.", "attn_k_norm.")
                    .replace("post_attention_layernorm.", "ffn_norm.")
                    .replace("mlp.gate_proj.", "ffn_gate.")
                    .replace("mlp.up_proj.", "ffn_up.")
                    .replace("mlp.down_proj.", "ffn_down.");
        };
    }

    /** convert_hf_to_gguf.py's choice of type for a tensor of the requested file type. */
    static GgmlType typeOf(String name, long[] dims, GgmlType requested) {
        if (dims.length <= 1 || name.endsWith("_norm.weight") || name.equals("position_embd.weight") || !name.endsWith(".weight")) {
            return GgmlType.F32;
        }
        if (dims[0] % requested.blockSize() != 0) return GgmlType.F16; // its fallback when a quantization does not fit
        return requested;
    }

    /** general.file_type (llama_ftype) for a model whose matrices are all of this type. */
    static int fileType(GgmlType type) {
        return switch (type) {
            case F32 -> 0;
            case F16 -> 1;
            case Q4_0 -> 2;
            case Q8_0 -> 7;
            case Q4_K -> 14; // Q4_K_S: mostly Q4_K
            case Q6_K -> 18;
            case BF16 -> 32;
            default -> throw new IllegalArgumentException("no synthetic models of type " + type);
        };
    }

    /**
     * Rows of each head reordered from Hugging Face's half-split rotary layout (pairs i and
     * i + d/2) to llama.cpp's adjacent pairs (2i, 2i+1): new row h·d + 2i + k is old row
     * h·d + k·d/2 + i.
     */
    static float[] permuteRotary(float[] w, int[] shape, int heads) {
        int rows = shape[0];
        int cols = w.length / rows;
        int d = rows / heads;
        float[] out = new float[w.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < d / 2; i++) {
                for (int k = 0; k < 2; k++) {
                    System.arraycopy(w, (h * d + k * d / 2 + i) * cols, out, (h * d + 2 * i + k) * cols, cols);
                }
            }
        }
        return out;
    }

    static float[] transpose(float[] w, int rows, int cols) {
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) out[c * rows + r] = w[r * cols + c];
        }
        return out;
    }

    /**
     * Llama 3.1's rotary frequency factors (rope_freqs), computed in float32 as the converter's
     * torch code does: 1 where the wavelength is under original context / high_freq_factor,
     * the factor where it is over original context / low_freq_factor, a smooth blend between.
     */
    static float[] llama3RopeFactors(Spec s) {
        RopeScaling r = RopeScaling.LLAMA3;
        int dim = s.headDim();
        float[] factors = new float[dim / 2];
        float lowWavelen = r.originalContext() / r.lowFreqFactor();
        float highWavelen = r.originalContext() / r.highFreqFactor();
        for (int i = 0; i < dim / 2; i++) {
            float exponent = (float) (2 * i) / dim;
            float freq = 1f / (float) Math.pow(s.ropeTheta(), exponent);
            float wavelen = (float) (2 * Math.PI) / freq;
            if (wavelen < highWavelen) {
                factors[i] = 1;
            } else if (wavelen > lowWavelen) {
                factors[i] = r.factor();
            } else {
                float smooth = (r.originalContext() / wavelen - r.lowFreqFactor()) / (r.highFreqFactor() - r.lowFreqFactor());
                factors[i] = 1 / ((1 - smooth) / r.factor() + smooth);
            }
        }
        return factors;
    }

    /** Llama 3.1's rope_scaling values. */
    record RopeScaling(float factor, float lowFreqFactor, float highFreqFactor, int originalContext) {
        static final RopeScaling LLAMA3 = new RopeScaling(8f, 1f, 4f, 8192);
    }
}
