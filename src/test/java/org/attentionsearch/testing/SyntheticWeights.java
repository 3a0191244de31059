package org.attentionsearch.testing;

import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

import org.attentionsearch.testing.SyntheticModels.Architecture;
import org.attentionsearch.testing.SyntheticModels.Spec;
import org.attentionsearch.weights.Tensor;

/**
 * Random weights for a synthetic model, named and shaped as transformers saves them (PyTorch
 * [out, in] matrices; GPT-2's Conv1D as [in, out]). Each tensor has its own generator seeded
 * by the model's seed and the tensor's name, so the weights do not depend on anything else.
 * Scales keep activations O(1) and attention far from uniform: with unit-scale inputs to a
 * projection of fan-in 256, query and key entries have a standard deviation near 1.3, so
 * scaled dot products over 64 dimensions spread by about 1.6.
 */
final class SyntheticWeights {

    private static final float EMBEDDING = 0.1f, QUERY_KEY = 0.08f, VALUE_OUT = 0.06f, FEED_FORWARD_IN = 0.06f,
            FEED_FORWARD_OUT = 0.04f, BIAS = 0.05f, NORM = 0.1f, POSITION = 0.05f;

    private SyntheticWeights() {
    }

    /** The tensors by name, sorted as safetensors lists them. */
    static Map<String, Tensor> generate(Spec s) {
        Map<String, Tensor> t = new TreeMap<>();
        Generator g = new Generator(t, s.seed());
        int vocab = s.vocabulary().size();
        if (s.architecture() == Architecture.GPT2) {
            g.normal("wte.weight", EMBEDDING, vocab, s.hidden());
            g.normal("wpe.weight", POSITION, s.context(), s.hidden());
            for (int l = 0; l < s.layers(); l++) {
                String p = "h." + l + ".";
                g.norm(p + "ln_1", s.hidden(), true);
                g.normal(p + "attn.c_attn.weight", QUERY_KEY, s.hidden(), 3 * s.hidden()); // Conv1D: [in, out]
                g.normal(p + "attn.c_attn.bias", BIAS, 3 * s.hidden());
                g.normal(p + "attn.c_proj.weight", VALUE_OUT, s.hidden(), s.hidden());
                g.normal(p + "attn.c_proj.bias", BIAS, s.hidden());
                g.norm(p + "ln_2", s.hidden(), true);
                g.normal(p + "mlp.c_fc.weight", FEED_FORWARD_IN, s.hidden(), s.feedForward());
                g.normal(p + "mlp.c_fc.bias", BIAS, s.feedForward());
                g.normal(p + "mlp.c_proj.weight", FEED_FORWARD_OUT, s.feedForward(), s.hidden());
                g.normal(p + "mlp.c_proj.bias", BIAS, s.hidden());
            }
            g.norm("ln_f", s.hidden(), true);
            return t;
        }
        int q = s.heads() * s.headDim();
        int kv = s.kvHeads() * s.headDim();
        g.normal("model.embed_tokens.weight", EMBEDDING, vocab, s.hidden());
        for (int l = 0; l < s.layers(); l++) {
            String p = "model.layers." + l + ".";
            g.norm(p + "input_layernorm", s.hidden(), false);
            g.normal(p + "self_attn.q_proj.weight", QUERY_KEY, q, s.hidden());
            g.normal(p + "self_attn.k_proj.weight", QUERY_KEY, kv, s.hidden());
            g.normal(p + "self_attn.v_proj.weight", VALUE_OUT, kv, s.hidden());
            g.normal(p + "self_attn.o_proj.weight", VALUE_OUT, s.hidden(), q);
            if (s.architecture() == Architecture.QWEN2) {
                g.normal(p + "self_attn.q_proj.bias", BIAS, q);
                g.normal(p + "self_attn.k_proj.bias", BIAS, kv);
                g.normal(p + "self_attn.v_proj.bias", BIAS, kv);
            }
            if (s.architecture() == Architecture.QWEN3) {
                g.norm(p + "self_attn.q_norm", s.headDim(), false);
                g.norm(p + "self_attn.k_norm", s.headDim(), false);
            }
            g.norm(p + "post_attention_layernorm", s.hidden(), false);
            g.normal(p + "mlp.gate_proj.weight", FEED_FORWARD_IN, s.feedForward(), s.hidden());
            g.normal(p + "mlp.up_proj.weight", FEED_FORWARD_IN, s.feedForward(), s.hidden());
            g.normal(p + "mlp.down_proj.weight", FEED_FORWARD_OUT, s.hidden(), s.feedForward());
        }
        g.norm("model.norm", s.hidden(), false);
        if (!s.tiedEmbeddings()) g.normal("lm_head.weight", QUERY_KEY, vocab, s.hidden());
        return t;
    }

    private record Generator(Map<String, Tensor> out, long seed) {

        void normal(String name, float std, int... shape) {
            SplittableRandom r = random(name);
            float[] v = new float[size(shape)];
            for (int i = 0; i < v.length; i++) v[i] = (float) (std * r.nextGaussian());
            out.put(name, new Tensor(name, shape, v));
        }

        /** A norm's weight near 1 (and bias near 0 for LayerNorm). */
        void norm(String prefix, int n, boolean bias) {
            SplittableRandom r = random(prefix + ".weight");
            float[] w = new float[n];
            for (int i = 0; i < n; i++) w[i] = (float) (1 + NORM * r.nextGaussian());
            out.put(prefix + ".weight", new Tensor(prefix + ".weight", new int[] {n}, w));
            if (bias) normal(prefix + ".bias", BIAS, n);
        }

        private SplittableRandom random(String name) {
            return new SplittableRandom(seed * 1_000_003L + name.hashCode());
        }

        private static int size(int[] shape) {
            int n = 1;
            for (int d : shape) n = Math.multiplyExact(n, d);
            return n;
        }
    }
}
