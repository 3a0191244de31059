package org.attentionsearch.testing;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.ModelType;
import org.attentionsearch.model.Rope;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.Tensor;

/**
 * Tiny decoders with random weights, held in memory under Hugging Face's tensor names: every
 * switch of the GPT-2 and Llama families, small enough to check against a plain reference.
 * Weights are scaled so that activations stay near 1 and attention is far from uniform.
 */
public final class RandomDecoders {

    private RandomDecoders() {
    }

    public static final int VOCAB = 97;

    public static ModelConfig gpt2() {
        return ModelConfig.gpt2(VOCAB, 64, 2, 4, 256, 64, 1e-5f, ModelConfig.Activation.GELU_TANH, true);
    }

    /** Llama with grouped-query attention (4 heads over 2), untied, plain rotary positions. */
    public static ModelConfig llama() {
        return ModelConfig.llama(ModelType.LLAMA, VOCAB, 64, 2, 4, 2, 16, 96, 128, 1e-6f, Rope.plain(10000, 16), false, false, false, 0);
    }

    /** Qwen2: biases on q, k and v, tied embeddings. */
    public static ModelConfig qwen2() {
        return ModelConfig.llama(ModelType.QWEN2, VOCAB, 64, 2, 4, 2, 16, 96, 128, 1e-6f, Rope.plain(1_000_000, 16), true, false, true, 0);
    }

    /** Qwen3: per-head q/k RMSNorm, a head size that is not hidden/heads (as Qwen3-0.6B's 128 for 1024/16). */
    public static ModelConfig qwen3() {
        return ModelConfig.llama(ModelType.QWEN3, VOCAB, 64, 2, 4, 2, 32, 96, 128, 1e-6f, Rope.plain(1_000_000, 32), false, true, true, 0);
    }

    /** Llama 3.1's rotary scaling, at a small original context so that every regime of it is used. */
    public static ModelConfig llama3Scaled() {
        Rope rope = new Rope(500_000, 16, new Rope.Scaling.Llama3(8, 1, 4, 64));
        return ModelConfig.llama(ModelType.LLAMA, VOCAB, 64, 2, 4, 1, 16, 96, 256, 1e-5f, rope, false, false, true, 0);
    }

    /** Mistral with a sliding window shorter than the test inputs. */
    public static ModelConfig mistralWindowed() {
        return ModelConfig.llama(ModelType.MISTRAL, VOCAB, 64, 2, 4, 2, 16, 96, 128, 1e-5f, new Rope(10000, 16, new Rope.Scaling.Linear(2)),
                false, false, false, 5);
    }

    /** Random weights for the configuration under Hugging Face names, seeded. */
    public static Checkpoint checkpoint(ModelConfig c, long seed) {
        Random r = new Random(seed);
        Map<String, Tensor> t = new LinkedHashMap<>();
        int h = c.hiddenSize(), f = c.intermediateSize(), q = c.queryWidth(), kv = c.keyValueWidth();
        if (c.family() == ModelConfig.Family.GPT2) {
            put(t, r, "wte.weight", 1.0, 0, c.vocabSize(), h);
            put(t, r, "wpe.weight", 0.3, 0, c.maxPositions(), h);
            for (int l = 0; l < c.layers(); l++) {
                String p = "h." + l + ".";
                put(t, r, p + "ln_1.weight", 0.1, 1, h);
                put(t, r, p + "ln_1.bias", 0.1, 0, h);
                put(t, r, p + "attn.c_attn.weight", 0.25, 0, h, 3 * h);
                put(t, r, p + "attn.c_attn.bias", 0.1, 0, 3 * h);
                put(t, r, p + "attn.c_proj.weight", 0.1, 0, h, h);
                put(t, r, p + "attn.c_proj.bias", 0.1, 0, h);
                put(t, r, p + "ln_2.weight", 0.1, 1, h);
                put(t, r, p + "ln_2.bias", 0.1, 0, h);
                put(t, r, p + "mlp.c_fc.weight", 0.15, 0, h, f);
                put(t, r, p + "mlp.c_fc.bias", 0.1, 0, f);
                put(t, r, p + "mlp.c_proj.weight", 0.06, 0, f, h);
                put(t, r, p + "mlp.c_proj.bias", 0.1, 0, h);
            }
            put(t, r, "ln_f.weight", 0.1, 1, h);
            put(t, r, "ln_f.bias", 0.1, 0, h);
        } else {
            put(t, r, "model.embed_tokens.weight", 1.0, 0, c.vocabSize(), h);
            for (int l = 0; l < c.layers(); l++) {
                String p = "model.layers." + l + ".", a = p + "self_attn.";
                put(t, r, p + "input_layernorm.weight", 0.1, 1, h);
                put(t, r, a + "q_proj.weight", 0.25, 0, q, h);
                put(t, r, a + "k_proj.weight", 0.25, 0, kv, h);
                put(t, r, a + "v_proj.weight", 0.25, 0, kv, h);
                if (c.attentionBias()) {
                    put(t, r, a + "q_proj.bias", 0.3, 0, q);
                    put(t, r, a + "k_proj.bias", 0.3, 0, kv);
                    put(t, r, a + "v_proj.bias", 0.3, 0, kv);
                }
                if (c.queryKeyNorm()) {
                    put(t, r, a + "q_norm.weight", 0.2, 1, c.headSize());
                    put(t, r, a + "k_norm.weight", 0.2, 1, c.headSize());
                }
                put(t, r, a + "o_proj.weight", 0.1, 0, h, q);
                put(t, r, p + "post_attention_layernorm.weight", 0.1, 1, h);
                put(t, r, p + "mlp.gate_proj.weight", 0.15, 0, f, h);
                put(t, r, p + "mlp.up_proj.weight", 0.15, 0, f, h);
                put(t, r, p + "mlp.down_proj.weight", 0.1, 0, h, f);
            }
            put(t, r, "model.norm.weight", 0.1, 1, h);
            if (!c.tiedEmbeddings()) put(t, r, "lm_head.weight", 0.2, 0, c.vocabSize(), h);
        }
        return new Checkpoint(c, t, wordPieceVocabulary(c.vocabSize()), null, "random " + c.modelType());
    }

    private static void put(Map<String, Tensor> into, Random r, String name, double std, double mean, int... shape) {
        int n = 1;
        for (int d : shape) n *= d;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (mean + std * r.nextGaussian());
        into.put(name, new Tensor(name, shape, v));
    }

    /** A tokenizer.json the engine can load; the tests feed token ids directly. */
    static byte[] wordPieceVocabulary(int size) {
        StringBuilder vocab = new StringBuilder("\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2");
        for (int i = 3; i < size; i++) vocab.append(", \"t").append(i).append("\": ").append(i);
        return ("{\"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": {" + vocab + "}}}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
