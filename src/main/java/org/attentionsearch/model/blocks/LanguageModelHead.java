package org.attentionsearch.model.blocks;

/**
 * What turns a decoder's residual stream into next-token scores: the final norm, then the
 * unembedding W_U [hidden × vocab] (the token-embedding table transposed, when tied).
 */
public record LanguageModelHead(Norm finalNorm, Linear unembedding) {

    public int vocabSize() {
        return unembedding.out();
    }

    /** Logits [rows × vocab] of rows that have been through the final norm. */
    public float[] logits(float[] normed, int rows) {
        float[] out = new float[Math.multiplyExact(rows, vocabSize())];
        unembedding.apply(normed, rows, out);
        return out;
    }

    /** The logit lens (nostalgebraist 2020): rows of any layer's residual stream read through the final norm and W_U. */
    public float[] lens(float[] residual, int rows) {
        float[] normed = new float[residual.length];
        finalNorm.rows(residual, rows, normed);
        return logits(normed, rows);
    }
}
