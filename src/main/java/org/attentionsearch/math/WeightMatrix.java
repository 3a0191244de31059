package org.attentionsearch.math;

/**
 * A weight matrix W [k × n] of a linear layer y = x·W + bias, in whatever form it is kept:
 * float32 packed for {@link MatMul} ({@link PackedMatrix}), a file's quantized blocks read in
 * place ({@link QuantizedMatrix}), Q8_0's or Q4_0's bytes and scales apart ({@link Int8Matrix}),
 * 4-bit nibbles with scales and offsets apart ({@link Int4Matrix}), or F16 halves in an array
 * ({@link HalfMatrix}). All multiply with the same contract; all hand out
 * float copies of rows and columns for the views that take W apart.
 */
public sealed interface WeightMatrix permits PackedMatrix, QuantizedMatrix, Int8Matrix, Int4Matrix, HalfMatrix {

    /** Inputs: rows of W. */
    int k();

    /** Outputs: columns of W. */
    int n();

    /**
     * c = epilogue(a·W + bias) for {@code rows} rows, across the worker threads, then
     * {@code thenRows} on finished rows of c (null for none); as {@link MatMul#multiply(float[], int,
     * PackedMatrix, float[], Epilogue, float[], float[], Parallel.RangeBody)}.
     */
    void multiply(float[] a, int rows, float[] bias, Epilogue epilogue, float[] residual, float[] c,
                  Parallel.RangeBody thenRows);

    /** Column j of W, W[0..k)[j], into out[off, off + k). */
    void column(int j, float[] out, int off);

    /** Rows [from, from + count) of W, [count × n] row-major. */
    float[] rows(int from, int count);

    /** ‖W[·][j]‖ for every column j, summed in double. */
    default float[] columnNorms() {
        float[] out = new float[n()], column = new float[k()];
        for (int j = 0; j < out.length; j++) {
            column(j, column, 0);
            double s = 0;
            for (float x : column) s += (double) x * x;
            out[j] = (float) Math.sqrt(s);
        }
        return out;
    }
}
