package org.attentionsearch.math;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Objects;

/**
 * A weight matrix W [k × n] holding 4-bit quants the way decoding reads them fastest: per block
 * of 32 values of a stored row (W's column j), 16 bytes whose low nibbles are the unsigned
 * quants q of values 0..15 and high nibbles those of values 16..31, and beside them, in two
 * arrays of their own, the block's scale s and offset m: W[i][j] = s·q − m.
 *
 * <p>Both 4-bit formats of ggml are that: Q4_0 is x = d·(q − 8), so s = d and m = 8·d; Q4_K is
 * x = (d·sc)·q − dmin·mn per sub-block of 32, so s = d·sc and m = dmin·mn. The products are exact
 * in float (s has at most 17 significant bits, q four), so s·q − m rounds once, as ggml's own
 * dequantization does, and every value is the same bit for bit (but for the sign of a zero:
 * Q4_0's (8 − 8)·d is −0 where d &lt; 0, s·8 − 8·d is +0). Read from arrays and not a mapped
 * file, the loads go without a memory segment's checks, and K-quants' packed 6-bit scales are
 * decoded once, when the matrix is made, instead of at every product: measured side by side, a
 * Q4_K matrix decodes about four times as fast. It costs three quarters of a byte a weight, a
 * third more than the file's blocks (half a byte and a float pair per 32).
 */
public final class Int4Matrix implements WeightMatrix {
    /** Values per block: one scale and one offset each. */
    public static final int BLOCK = 32;

    private final byte[] nibbles;
    private final float[] scales;
    private final float[] offsets;
    private final int k;
    private final int n;

    private Int4Matrix(byte[] nibbles, float[] scales, float[] offsets, int k, int n) {
        this.nibbles = nibbles;
        this.scales = scales;
        this.offsets = offsets;
        this.k = k;
        this.n = n;
    }

    /** Whether a matrix of n stored rows of k values fits in Java arrays. */
    public static boolean fits(int k, int n) {
        return (long) k * n / 2 <= Integer.MAX_VALUE - 8;
    }

    /** Whether every stored row of {@code q} is in a 4-bit format this form holds (Q4_0, Q4_K, mixed or not). */
    public static boolean holds(QuantizedMatrix q) {
        for (QuantizedMatrix.Format f : q.formats()) {
            if (f != QuantizedMatrix.Format.Q4_0 && f != QuantizedMatrix.Format.Q4_K) return false;
        }
        return true;
    }

    /** The 4-bit blocks of {@code q}, copied out in row order; a mapped file's pages are then released. */
    public static Int4Matrix of(QuantizedMatrix q) {
        if (!holds(q)) throw new IllegalArgumentException("only Q4_0 and Q4_K rows hold 4-bit quants, not " + q.formats());
        int k = q.k(), n = q.n(), blocks = k / BLOCK;
        if (!fits(k, n)) throw new IllegalArgumentException(q + " does not fit in one array");
        byte[] nibbles = new byte[k / 2 * n];
        float[] scales = new float[blocks * n], offsets = new float[blocks * n];
        MemorySegment m = q.data();
        for (int j = 0; j < n; j++) {
            long at = q.rowOffset(j);
            int b0 = j * blocks;
            if (q.format(j) == QuantizedMatrix.Format.Q4_0) {
                for (int b = 0; b < blocks; b++, at += 18) {
                    float d = F16Kernels.value(m, at);
                    scales[b0 + b] = d;
                    offsets[b0 + b] = 8 * d;
                    MemorySegment.copy(m, ValueLayout.JAVA_BYTE, at + 2, nibbles, (b0 + b) * 16, 16); // already in this order
                }
            } else {
                for (int b = 0; b < blocks; b += 8, at += 144) Q4KKernels.unpack(m, at, nibbles, (b0 + b) * 16, scales, offsets, b0 + b);
            }
            q.copied(j);
        }
        return new Int4Matrix(nibbles, scales, offsets, k, n);
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int n() {
        return n;
    }

    /** The nibbles, block b of stored row j at 16·(j·(k / 32) + b). */
    byte[] nibbles() {
        return nibbles;
    }

    /** The scales s, block b of stored row j at j·(k / 32) + b. */
    float[] scales() {
        return scales;
    }

    /** The offsets m, indexed as the scales. */
    float[] offsets() {
        return offsets;
    }

    /** W[i][j] = s·q − m in float, as ggml dequantizes. */
    float value(int j, int i) {
        int b = j * (k / BLOCK) + i / BLOCK, within = i % BLOCK;
        int q = nibbles[16 * b + within % 16] & 0xff;
        return scales[b] * (within < 16 ? q & 0x0f : q >>> 4) - offsets[b];
    }

    @Override
    public void multiply(float[] a, int rows, float[] bias, Epilogue epilogue, float[] residual, float[] c,
                         Parallel.RangeBody thenRows) {
        Int4MatMul.multiply(a, rows, this, bias, epilogue, residual, c, thenRows);
    }

    @Override
    public void column(int j, float[] out, int off) {
        Objects.checkIndex(j, n);
        Objects.checkFromIndexSize(off, k, out.length);
        Int4MatMul.dequantizeRow(this, j, out, off);
    }

    @Override
    public float[] rows(int from, int count) {
        return StoredRows.rows(k, n(), from, count, this::value);
    }

    @Override
    public String toString() {
        return "4-bit matrix (nibbles, scales and offsets apart) " + k + " × " + n;
    }
}
