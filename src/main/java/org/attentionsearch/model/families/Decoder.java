package org.attentionsearch.model.families;

import java.util.List;

import org.attentionsearch.model.Architecture;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Pass;
import org.attentionsearch.model.blocks.Attention;
import org.attentionsearch.model.blocks.Embedding;
import org.attentionsearch.model.blocks.LanguageModelHead;
import org.attentionsearch.model.blocks.PreNormBlock;

/**
 * What every pre-norm decoder here shares: a stack of {@link PreNormBlock}s, then the final norm
 * and the LM head. A family adds how tokens (and positions) enter, and how its file is read.
 */
abstract class Decoder implements Architecture {

    final ModelConfig config;
    final Embedding tokens;
    private final List<PreNormBlock> layers;
    private final LanguageModelHead head;

    Decoder(ModelConfig config, Embedding tokens, List<PreNormBlock> layers, LanguageModelHead head) {
        this.config = config;
        this.tokens = tokens;
        this.layers = List.copyOf(layers);
        this.head = head;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public float[] layer(Pass p, int l, float[] x) {
        return layers.get(l).forward(p, x);
    }

    /** The final norm of the last residual stream. */
    @Override
    public float[] finish(Pass p, float[] x) {
        float[] out = p.fresh(config.hiddenSize());
        head.finalNorm().rows(x, p.rows(), out);
        return out;
    }

    @Override
    public Attention attention(int layer) {
        return layers.get(layer).attention();
    }

    @Override
    public Embedding tokenEmbeddings() {
        return tokens;
    }

    @Override
    public LanguageModelHead head() {
        return head;
    }
}
