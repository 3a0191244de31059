package org.attentionsearch.model.blocks;

import org.attentionsearch.model.Pass;

/**
 * A transformer block with the norm after each residual add (BERT, and the original
 * transformer):
 * <pre>
 *   m = Norm₁(x + Attention(x))
 *   x = Norm₂(m + FFN(m))
 * </pre>
 * Each norm runs on the rows its matrix multiply has just finished, still in that thread's cache.
 */
public record PostNormBlock(Attention attention, Norm attentionNorm, FeedForward feedForward, Norm outputNorm) {

    /** The residual stream leaving the block, given the one entering it; records residual_mid. */
    public float[] forward(Pass p, float[] x) {
        int h = attentionNorm.width();
        float[] mid = attention.forward(p, x, x, p.kept("mid", h), attentionNorm);
        p.recordLayer("residual_mid", mid, h);
        return feedForward.forward(p, mid, mid, p.residual(x), outputNorm);
    }
}
