package org.attentionsearch.model.blocks;

import java.util.Objects;

import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.math.Vectors;
import org.attentionsearch.math.WeightMatrix;

/**
 * A table of vectors, one per row: token embeddings (and position or token-type embeddings).
 * A model whose LM head is its token-embedding table keeps the table once, in the LM head's
 * layout (packed, or the file's quantized blocks), and reads rows back from there.
 */
public sealed interface Embedding {

    int rows();

    int width();

    /** Row r into out[off, off + width). */
    void copyRow(int r, float[] out, int off);

    /** v·row for every row: the raw similarity of v to each entry of the table. */
    float[] dots(float[] v);

    /** ‖row‖ for every row. */
    float[] norms();

    /** Row r added to out[off, off + width). */
    default void addRow(int r, float[] out, int off) {
        float[] row = new float[width()];
        copyRow(r, row, 0);
        Vectors.axpy(1f, row, 0, out, off, width());
    }

    /** A row-major [rows × width] table. */
    record Table(float[] data, int rows, int width) implements Embedding {
        public Table {
            if ((long) rows * width != data.length) throw new IllegalArgumentException("a table of " + data.length + " values is not " + rows + " × " + width);
        }

        @Override
        public void copyRow(int r, float[] out, int off) {
            Objects.checkIndex(r, rows);
            System.arraycopy(data, r * width, out, off, width);
        }

        @Override
        public void addRow(int r, float[] out, int off) {
            Objects.checkIndex(r, rows);
            Vectors.axpy(1f, data, r * width, out, off, width);
        }

        @Override
        public float[] dots(float[] v) {
            float[] out = new float[rows];
            Parallel.forRange(rows, 256, (from, to) -> {
                for (int r = from; r < to; r++) out[r] = Vectors.dot(v, 0, data, r * width, width);
            });
            return out;
        }

        @Override
        public float[] norms() {
            float[] out = new float[rows];
            for (int r = 0; r < rows; r++) out[r] = (float) Math.sqrt(Vectors.dot(data, r * width, data, r * width, width));
            return out;
        }
    }

    /**
     * The columns of a [width × rows] weight matrix: the LM head W_U = Eᵀ of a tied model, or a
     * quantized table kept as the file stores it (each entry one stored row).
     */
    record Columns(WeightMatrix matrix) implements Embedding {
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

        /** v·W: one row through the matrix-multiply kernel, as the LM head computes logits. */
        @Override
        public float[] dots(float[] v) {
            float[] out = new float[matrix.n()];
            matrix.multiply(v, 1, null, Epilogue.NONE, null, out, null);
            return out;
        }

        @Override
        public float[] norms() {
            return matrix.columnNorms();
        }
    }
}
