package org.attentionsearch.model.families;

import org.attentionsearch.math.PackedMatrix;
import org.attentionsearch.model.Batch;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.blocks.Embedding;
import org.attentionsearch.model.blocks.Linear;
import org.attentionsearch.model.blocks.Norm;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.Tensor;

/** Small pieces the families' loaders and forward passes share. */
final class Families {

    private Families() {
    }

    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** The token id of a batch row, checked against the vocabulary. */
    static int tokenId(Batch batch, int row, ModelConfig c) {
        int id = batch.id(row);
        if (id < 0 || id >= c.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + c.vocabSize());
        }
        return id;
    }

    /** A LayerNorm from {@code prefix.weight} and {@code prefix.bias}. */
    static Norm layerNorm(Checkpoint w, String prefix, int h, float eps) {
        return new Norm.LayerNorm(w.floats(prefix + ".weight", h), w.floats(prefix + ".bias", h), eps);
    }

    /** A decoder's token table and its unembedding W_U [hidden × vocab]. */
    record Vocabulary(Embedding tokens, Linear unembedding) {
    }

    /**
     * From the embedding table [vocab × hidden] and the LM head weight (PyTorch [vocab × hidden],
     * null when tied): a tied model keeps the table once, packed as W_U = Eᵀ, and looks its rows
     * up there. Both are read a block of rows at a time, never whole and unpacked at once.
     */
    static Vocabulary vocabulary(ModelConfig c, Tensor embeddings, Tensor lmHead) {
        int h = c.hiddenSize(), v = c.vocabSize();
        if (lmHead == null) {
            PackedMatrix packed = PackedMatrix.packTransposed(embeddings::rows, v, h);
            return new Vocabulary(new Embedding.Columns(packed), new Linear(packed, null));
        }
        return new Vocabulary(new Embedding.Table(embeddings.data(), v, h),
                new Linear(PackedMatrix.packTransposed(lmHead::rows, v, h), null));
    }
}
