package org.attentionsearch.model.blocks;

import org.attentionsearch.model.Pass;

/**
 * A transformer block with the norm before each sublayer (GPT-2, Llama and its kin):
 * <pre>
 *   m = x + Attention(Norm₁(x))
 *   x = m + FFN(Norm₂(m))
 * </pre>
 */
public record PreNormBlock(Norm attentionNorm, Attention attention, Norm feedForwardNorm, FeedForward feedForward) {

    /** The residual stream leaving the block, given the one entering it; records residual_mid. */
    public float[] forward(Pass p, float[] x) {
        int h = attentionNorm.width();
        float[] normed = p.scratch("normed", h);
        attentionNorm.rows(x, p.rows(), normed);
        float[] mid = attention.forward(p, normed, x, p.kept("mid", h), null);
        p.recordLayer("residual_mid", mid, h);
        feedForwardNorm.rows(mid, p.rows(), normed);
        return feedForward.forward(p, normed, mid, p.residual(x), null);
    }
}
