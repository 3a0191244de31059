package org.attentionsearch.math;

/**
 * A weight matrix W [k × n] of a linear layer y = x·W + bias, in whatever form it is kept:
 * float32 packed for {@link MatMul} ({@link PackedMatrix}), or a file's quantized blocks read
 * in place ({@link QuantizedMatrix}). Both multiply with the same contract; both hand out float
 * copies of rows and columns for the views that take W apart.
 */
public sealed interface WeightMatrix permits PackedMatrix, QuantizedMatrix {

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

    /** ‖W[·][j]‖ for every column j. */
    float[] columnNorms();
}
