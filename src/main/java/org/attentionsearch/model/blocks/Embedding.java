package org.attentionsearch.model.blocks;

import org.attentionsearch.math.PackedMatrix;

/**
 * A table of vectors, one per row: token embeddings (and position or token-type embeddings).
 * A model whose LM head is its token-embedding table keeps the table once, in the LM head's
 * packed layout, and reads rows back from there.
 */
public sealed interface Embedding {

    int rows();

    int width();

    /** Row r into out[off, off + width). */
    void copyRow(int r, float[] out, int off);

    /** Row r added to out[off, off + width). */
    default void addRow(int r, float[] out, int off) {
        float[] row = new float[width()];
        copyRow(r, row, 0);
        org.attentionsearch.math.Vectors.axpy(1f, row, 0, out, off, width());
    }

    /** A row-major [rows × width] table. */
    record Table(float[] data, int rows, int width) implements Embedding {
        public Table {
            if ((long) rows * width != data.length) throw new IllegalArgumentException("a table of " + data.length + " values is not " + rows + " × " + width);
        }

        @Override
        public void copyRow(int r, float[] out, int off) {
            java.util.Objects.checkIndex(r, rows);
            System.arraycopy(data, r * width, out, off, width);
        }

        @Override
        public void addRow(int r, float[] out, int off) {
            java.util.Objects.checkIndex(r, rows);
            org.attentionsearch.math.Vectors.axpy(1f, data, r * width, out, off, width);
        }
    }

    /** The columns of a packed [width × rows] matrix: the LM head W_U = Eᵀ of a tied model. */
    record Columns(PackedMatrix matrix) implements Embedding {
        @Override
        public int rows() {
            return matrix.n();
        }

        @Override
        public int width() {
            return matrix.k();
        }

        @Override
        public void copyRow(int r, float[] out, int off) {
            matrix.column(r, out, off);
        }
    }
}
