package org.attentionsearch.model.families;

import java.util.ArrayList;
import java.util.List;

import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Architecture;
import org.attentionsearch.model.Batch;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Pass;
import org.attentionsearch.model.blocks.Attention;
import org.attentionsearch.model.blocks.Embedding;
import org.attentionsearch.model.blocks.FeedForward;
import org.attentionsearch.model.blocks.LanguageModelHead;
import org.attentionsearch.model.blocks.Linear;
import org.attentionsearch.model.blocks.Norm;
import org.attentionsearch.model.blocks.PostNormBlock;
import org.attentionsearch.weights.Checkpoint;

/**
 * BERT (Devlin et al. 2019): a bidirectional encoder with learned positions and token types,
 * LayerNorm after each residual add:
 * <pre>
 *   x₀ = LayerNorm(word[id] + position[i] + type[t])
 *   for each layer:
 *     m = LayerNorm(x + Attention(x))
 *     x = LayerNorm(m + GELU(m·W_1 + b_1)·W_2 + b_2)
 * </pre>
 */
public final class Bert implements Architecture {

    private final ModelConfig config;
    private final Embedding.Table words, positions, types;
    private final Norm embeddingNorm;
    private final List<PostNormBlock> layers;

    private Bert(ModelConfig config, Embedding.Table words, Embedding.Table positions, Embedding.Table types,
                 Norm embeddingNorm, List<PostNormBlock> layers) {
        this.config = config;
        this.words = words;
        this.positions = positions;
        this.types = types;
        this.embeddingNorm = embeddingNorm;
        this.layers = layers;
    }

    /** From Hugging Face's BERT tensor names (without a "bert." prefix), PyTorch layouts. */
    public static Bert load(Checkpoint w) {
        ModelConfig c = w.config();
        int h = c.hiddenSize(), ffn = c.intermediateSize();
        List<PostNormBlock> layers = new ArrayList<>(c.layers());
        for (int l = 0; l < c.layers(); l++) {
            String p = "encoder.layer." + l + ".";
            // Query, key and value stacked along PyTorch's "out" dimension give the fused [3h × h] weight.
            float[] qkv = Families.concat(w.floats(p + "attention.self.query.weight", h, h),
                    w.floats(p + "attention.self.key.weight", h, h), w.floats(p + "attention.self.value.weight", h, h));
            float[] qkvBias = Families.concat(w.floats(p + "attention.self.query.bias", h),
                    w.floats(p + "attention.self.key.bias", h), w.floats(p + "attention.self.value.bias", h));
            Attention attention = new Attention(c, Linear.ofTorch(qkv, 3 * h, h, qkvBias),
                    Linear.ofTorch(w.floats(p + "attention.output.dense.weight", h, h), h, h, w.floats(p + "attention.output.dense.bias", h)), null, null, null);
            FeedForward ffnBlock = new FeedForward.Mlp(
                    Linear.ofTorch(w.floats(p + "intermediate.dense.weight", ffn, h), ffn, h, w.floats(p + "intermediate.dense.bias", ffn)),
                    Linear.ofTorch(w.floats(p + "output.dense.weight", h, ffn), h, ffn, w.floats(p + "output.dense.bias", h)),
                    Epilogue.GELU);
            layers.add(new PostNormBlock(attention, Families.layerNorm(w, p + "attention.output.LayerNorm", h, c.normEps()),
                    ffnBlock, Families.layerNorm(w, p + "output.LayerNorm", h, c.normEps())));
        }
        return new Bert(c,
                new Embedding.Table(w.floats("embeddings.word_embeddings.weight", c.vocabSize(), h), c.vocabSize(), h),
                new Embedding.Table(w.floats("embeddings.position_embeddings.weight", c.maxPositions(), h), c.maxPositions(), h),
                new Embedding.Table(w.floats("embeddings.token_type_embeddings.weight", c.typeVocabSize(), h), c.typeVocabSize(), h),
                Families.layerNorm(w, "embeddings.LayerNorm", h, c.normEps()), List.copyOf(layers));
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    /** x_i = LayerNorm(word[id_i] + position[i] + type[t_i]). */
    @Override
    public float[] embed(Pass p) {
        Batch batch = p.batch();
        int h = config.hiddenSize();
        float[] x = p.fresh(h);
        Parallel.forRange(batch.rows(), 1, (from, to) -> { // by rows, so one long text uses every thread
            for (int row = from; row < to; row++) {
                int o = row * h;
                words.copyRow(Families.tokenId(batch, row, config), x, o);
                int type = batch.typeId(row);
                if (type < 0 || type >= config.typeVocabSize()) {
                    throw new IllegalArgumentException("token type " + type + " is outside 0.." + (config.typeVocabSize() - 1));
                }
                types.addRow(type, x, o);
                positions.addRow(batch.position(row), x, o);
                embeddingNorm.apply(x, o, x, o);
            }
        });
        return x;
    }

    @Override
    public float[] layer(Pass p, int l, float[] x) {
        return layers.get(l).forward(p, x);
    }

    @Override
    public float[] finish(Pass p, float[] x) {
        return x;
    }

    @Override
    public Attention attention(int layer) {
        return layers.get(layer).attention();
    }

    @Override
    public Embedding tokenEmbeddings() {
        return words;
    }

    @Override
    public LanguageModelHead head() {
        return null;
    }
}
