package org.attentionsearch.model.families;

import java.util.ArrayList;
import java.util.List;

import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Batch;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Pass;
import org.attentionsearch.model.blocks.Attention;
import org.attentionsearch.model.blocks.Embedding;
import org.attentionsearch.model.blocks.FeedForward;
import org.attentionsearch.model.blocks.LanguageModelHead;
import org.attentionsearch.model.blocks.Linear;
import org.attentionsearch.model.blocks.Norm;
import org.attentionsearch.model.blocks.PreNormBlock;
import org.attentionsearch.model.blocks.Rotary;
import org.attentionsearch.weights.Checkpoint;

/**
 * Llama (Touvron et al. 2023), and the models built the same way — Mistral, SmolLM2, Qwen2
 * (biases on q, k and v), Qwen3 (an RMSNorm on each head's q and k): a causal decoder with
 * RMSNorm before each sublayer, rotary positions, grouped-query attention and SwiGLU.
 * <pre>
 *   x₀ = embed[id]
 *   for each layer:
 *     m = x + Attention(RMSNorm(x))          q, k rotated by position; heads share key/value heads
 *     x = m + SwiGLU(RMSNorm(m))
 *   logits = RMSNorm(x)·W_U
 * </pre>
 */
public final class Llama extends Decoder {

    private Llama(ModelConfig config, Embedding tokens, List<PreNormBlock> layers, LanguageModelHead head) {
        super(config, tokens, layers, head);
    }

    /** From Hugging Face's LlamaForCausalLM tensor names (Qwen2/Qwen3/Mistral use the same), PyTorch layouts. */
    public static Llama load(Checkpoint w) {
        ModelConfig c = w.config();
        int h = c.hiddenSize(), d = c.headSize(), q = c.queryWidth(), kv = c.keyValueWidth(), ffn = c.intermediateSize();
        float eps = c.normEps();
        // The file's own sizes bound the declared ones before anything is built from them.
        var embeddings = w.requireShape("model.embed_tokens.weight", c.vocabSize(), h);
        w.requireShape("model.layers.0.self_attn.q_proj.weight", q, h);
        Rotary rotary = new Rotary(c.rope());
        List<PreNormBlock> layers = new ArrayList<>(c.layers());
        for (int l = 0; l < c.layers(); l++) {
            String p = "model.layers." + l + ".";
            String a = p + "self_attn.";
            float[] qkvBias = c.attentionBias() ? Families.concat(w.floats(a + "q_proj.bias", q),
                    w.floats(a + "k_proj.bias", kv), w.floats(a + "v_proj.bias", kv)) : null;
            Norm qNorm = c.queryKeyNorm() ? new Norm.RmsNorm(w.floats(a + "q_norm.weight", d), eps) : null;
            Norm kNorm = c.queryKeyNorm() ? new Norm.RmsNorm(w.floats(a + "k_norm.weight", d), eps) : null;
            Linear qkv = Families.linear(h, qkvBias, w.requireShape(a + "q_proj.weight", q, h),
                    w.requireShape(a + "k_proj.weight", kv, h), w.requireShape(a + "v_proj.weight", kv, h));
            Attention attention = new Attention(c, qkv,
                    Families.linear(q, w.optionalFloats(a + "o_proj.bias", h), w.requireShape(a + "o_proj.weight", h, q)), qNorm, kNorm, rotary);
            Linear gateUp = Families.linear(h, null, w.requireShape(p + "mlp.gate_proj.weight", ffn, h),
                    w.requireShape(p + "mlp.up_proj.weight", ffn, h));
            FeedForward swiGlu = new FeedForward.SwiGlu(gateUp, Families.linear(ffn, null, w.requireShape(p + "mlp.down_proj.weight", h, ffn)));
            layers.add(new PreNormBlock(new Norm.RmsNorm(w.floats(p + "input_layernorm.weight", h), eps), attention,
                    new Norm.RmsNorm(w.floats(p + "post_attention_layernorm.weight", h), eps), swiGlu));
        }
        Families.Vocabulary vocab = Families.vocabulary(c, embeddings,
                c.tiedEmbeddings() ? null : w.requireShape("lm_head.weight", c.vocabSize(), h));
        Norm finalNorm = new Norm.RmsNorm(w.floats("model.norm.weight", h), eps);
        return new Llama(c, vocab.tokens(), List.copyOf(layers), new LanguageModelHead(finalNorm, vocab.unembedding()));
    }

    /** x_i = embed[id_i]. */
    @Override
    public float[] embed(Pass p) {
        Batch batch = p.batch();
        int h = config.hiddenSize();
        float[] x = p.fresh(h);
        Parallel.forRange(batch.rows(), 1, (from, to) -> {
            for (int row = from; row < to; row++) tokens.copyRow(Families.tokenId(batch, row, config), x, row * h);
        });
        return x;
    }
}
