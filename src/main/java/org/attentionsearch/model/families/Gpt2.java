package org.attentionsearch.model.families;

import java.util.ArrayList;
import java.util.List;

import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Batch;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Pass;
import org.attentionsearch.model.blocks.Attention;
import org.attentionsearch.model.blocks.Embedding;
import org.attentionsearch.model.blocks.FeedForward;
import org.attentionsearch.model.blocks.LanguageModelHead;
import org.attentionsearch.model.blocks.PreNormBlock;
import org.attentionsearch.weights.Checkpoint;

/**
 * GPT-2 (Radford et al. 2019): a causal decoder with learned positions and LayerNorm before
 * each sublayer; its linear layers are Conv1D, stored [in × out].
 * <pre>
 *   x₀ = wte[id] + wpe[i]
 *   for each layer:
 *     m = x + Attention(LayerNorm(x))
 *     x = m + gelu_new(LayerNorm(m)·W_fc + b_fc)·W_proj + b_proj
 *   logits = LayerNorm(x)·wteᵀ
 * </pre>
 */
public final class Gpt2 extends Decoder {

    private final Embedding.Table positions;

    private Gpt2(ModelConfig config, Embedding tokens, Embedding.Table positions, List<PreNormBlock> layers, LanguageModelHead head) {
        super(config, tokens, layers, head);
        this.positions = positions;
    }

    /** From Hugging Face's GPT2Model tensor names (without a "transformer." prefix). */
    public static Gpt2 load(Checkpoint w) {
        ModelConfig c = w.config();
        int h = c.hiddenSize(), ffn = c.intermediateSize();
        List<PreNormBlock> layers = new ArrayList<>(c.layers());
        for (int l = 0; l < c.layers(); l++) {
            String p = "h." + l + ".";
            Attention attention = new Attention(c,
                    Families.conv1D(w.requireShape(p + "attn.c_attn.weight", h, 3 * h), h, 3 * h, w.floats(p + "attn.c_attn.bias", 3 * h)),
                    Families.conv1D(w.requireShape(p + "attn.c_proj.weight", h, h), h, h, w.floats(p + "attn.c_proj.bias", h)), null, null, null);
            FeedForward mlp = new FeedForward.Mlp(
                    Families.conv1D(w.requireShape(p + "mlp.c_fc.weight", h, ffn), h, ffn, w.floats(p + "mlp.c_fc.bias", ffn)),
                    Families.conv1D(w.requireShape(p + "mlp.c_proj.weight", ffn, h), ffn, h, w.floats(p + "mlp.c_proj.bias", h)),
                    Epilogue.GELU_TANH);
            layers.add(new PreNormBlock(Families.layerNorm(w, p + "ln_1", h, c.normEps()), attention, Families.layerNorm(w, p + "ln_2", h, c.normEps()), mlp));
        }
        Families.Vocabulary vocab = Families.vocabulary(c, w.requireShape("wte.weight", c.vocabSize(), h),
                c.tiedEmbeddings() ? null : w.requireShape("lm_head.weight", c.vocabSize(), h));
        return new Gpt2(c, vocab.tokens(), new Embedding.Table(w.floats("wpe.weight", c.maxPositions(), h), c.maxPositions(), h),
                List.copyOf(layers), new LanguageModelHead(Families.layerNorm(w, "ln_f", h, c.normEps()), vocab.unembedding()));
    }

    /** x_i = wte[id_i] + wpe[i]. */
    @Override
    public float[] embed(Pass p) {
        Batch batch = p.batch();
        int h = config.hiddenSize();
        float[] x = p.fresh(h);
        Parallel.forRange(batch.rows(), 1, (from, to) -> {
            for (int row = from; row < to; row++) {
                tokens.copyRow(Families.tokenId(batch, row, config), x, row * h);
                positions.addRow(batch.position(row), x, row * h);
            }
        });
        return x;
    }
}
