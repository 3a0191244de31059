package org.attentionsearch.math;

import java.util.List;
import java.util.Objects;

/**
 * A weight matrix W [k × n] holding Q8_0's numbers (or Q4_0's, see {@link #of}) laid out for streaming: the signed bytes q
 * of stored row j (W's column j) side by side in one array, and every block's scale d in
 * another, W[i][j] = d[j][i / 32] · q[j][i] exactly as ggml dequantizes Q8_0. In the file each
 * block of 32 bytes follows its 2-byte scale, so the loads of a row are never aligned and every
 * read goes through a memory segment's checks; measured side by side, reading the same numbers
 * from these two arrays decodes about twice as fast. It costs the file's size in memory (one
 * byte per weight and a float per 32), the same as keeping the blocks.
 */
public final class Int8Matrix implements WeightMatrix {
    /** Values per block: one scale each. */
    public static final int BLOCK = 32;

    private final byte[] quants;
    private final float[] scales;
    private final int k;
    private final int n;

    private Int8Matrix(byte[] quants, float[] scales, int k, int n) {
        this.quants = quants;
        this.scales = scales;
        this.k = k;
        this.n = n;
    }

    /** Whether a matrix of n stored rows of k values fits in Java arrays. */
    public static boolean fits(int k, int n) {
        return (long) k * n <= Integer.MAX_VALUE - 8;
    }

    /**
     * The Q8_0 or Q4_0 blocks of {@code q} (either or both), copied out in row order; a mapped
     * file's pages are then released. Q4_0's x = d·(q − 8) is a signed byte q − 8 in [−8, 7]
     * times the block's d, so it is held as Q8_0 is, each value the same bit for bit.
     */
    public static Int8Matrix of(QuantizedMatrix q) {
        for (QuantizedMatrix.Format f : q.formats()) {
            if (f != QuantizedMatrix.Format.Q8_0 && f != QuantizedMatrix.Format.Q4_0) {
                throw new IllegalArgumentException("only Q8_0 and Q4_0 blocks hold one signed byte per value, not " + q.formats());
            }
        }
        int k = q.k(), n = q.n(), blocks = k / BLOCK;
        if (!fits(k, n)) throw new IllegalArgumentException(q + " does not fit in one array");
        byte[] quants = new byte[k * n];
        float[] scales = new float[blocks * n];
        for (int j = 0; j < n; j++) {
            boolean q8 = q.format(j) == QuantizedMatrix.Format.Q8_0;
            for (int b = 0; b < blocks; b++) {
                if (q8) {
                    scales[j * blocks + b] = q.q8Scale(j, b);
                    q.copyQ8Quants(j, b, quants, j * k + b * BLOCK);
                } else {
                    scales[j * blocks + b] = Q4Kernels.signedQuants(q.data(), q.rowOffset(j) + 18L * b, quants, j * k + b * BLOCK);
                }
            }
        }
        q.releasePages();
        return new Int8Matrix(quants, scales, k, n);
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int n() {
        return n;
    }

    /** The signed bytes, stored row j at [j·k, (j + 1)·k). */
    byte[] quants() {
        return quants;
    }

    /** The scales, block b of stored row j at j·(k / 32) + b. */
    float[] scales() {
        return scales;
    }

    /** W[i][j] = d·q in float, as ggml dequantizes. */
    float value(int j, int i) {
        return quants[j * k + i] * scales[j * (k / BLOCK) + i / BLOCK];
    }

    @Override
    public void multiply(float[] a, int rows, float[] bias, Epilogue epilogue, float[] residual, float[] c,
                         Parallel.RangeBody thenRows) {
        Int8MatMul.multiply(a, rows, this, bias, epilogue, residual, c, thenRows);
    }

    @Override
    public void column(int j, float[] out, int off) {
        Objects.checkIndex(j, n);
        Objects.checkFromIndexSize(off, k, out.length);
        Int8MatMul.dequantizeRow(this, j, out, off);
    }

    @Override
    public float[] rows(int from, int count) {
        return StoredRows.rows(k, n(), from, count, this::value);
    }

    @Override
    public String toString() {
        return "8-bit matrix (bytes and scales apart) " + k + " × " + n;
    }
}
