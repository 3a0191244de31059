package org.attentionsearch.math;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Objects;

/**
 * A weight matrix W [k × n] holding 4-bit quants the way decoding reads them fastest: per block
 * of 32 values of a stored row (W's column j), 16 bytes whose low nibbles are the unsigned
 * quants q of values 0..15 and high nibbles those of values 16..31, four stored rows interleaved
 * block by block (see {@link #at}), and apart from them each block's scale s and offset m:
 * W[i][j] = s·q − m.
 *
 * <p>Both 4-bit formats of ggml are that: Q4_0 is x = d·(q − 8), so s = d and m = 8·d; Q4_K is
 * x = (d·sc)·q − dmin·mn per sub-block of 32, so s = d·sc and m = dmin·mn. The products are exact
 * in float (s has at most 17 significant bits, q four), so s·q − m rounds once, as ggml's own
 * dequantization does, and every value is the same bit for bit (but for the sign of a zero:
 * Q4_0's (8 − 8)·d is −0 where d &lt; 0, s·8 − 8·d is +0).
 *
 * <p>A matrix of Q4_0 rows alone keeps each d as the file's half and no offsets (m = 8·d): half a
 * byte a weight and a half per 32, the file's size exactly. Q4_K's scales need up to 17
 * significant bits, so they (and any mix of the two, or a Q4_0 scale that is not finite) are
 * floats, with the offsets beside them: three quarters of a byte a weight, a third more than the
 * file. K-quants' packed 6-bit scales are decoded once, when the matrix is made, instead of at
 * every product: measured side by side, a Q4_K matrix decodes about four times as fast as its
 * blocks read in place. Four rows are interleaved for the reason {@link Int8Matrix} gives: a
 * decoding step then reads the array from start to end in one stream.
 */
public final class Int4Matrix implements WeightMatrix {
    /** Values per block: one scale and one offset each. */
    public static final int BLOCK = 32;

    private final byte[] nibbles;
    /** Q4_0's scales d as the file's halves, all finite, when every row is Q4_0; else null. */
    private final short[] halfScales;
    /** The scales s as floats and the offsets m, when the scales are not {@link #halfScales}; else null. */
    private final float[] scales, offsets;
    private final int k;
    private final int n;

    private Int4Matrix(byte[] nibbles, short[] halfScales, float[] scales, float[] offsets, int k, int n) {
        this.nibbles = nibbles;
        this.halfScales = halfScales;
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

    /** The 4-bit blocks of {@code q}, copied out; a mapped file's pages are then released. */
    public static Int4Matrix of(QuantizedMatrix q) {
        if (!holds(q)) throw new IllegalArgumentException("only Q4_0 and Q4_K rows hold 4-bit quants, not " + q.formats());
        int k = q.k(), n = q.n(), blocks = k / BLOCK;
        if (!fits(k, n)) throw new IllegalArgumentException(q + " does not fit in one array");
        boolean halves = q.formats().equals(List.of(QuantizedMatrix.Format.Q4_0));
        byte[] nibbles = new byte[k / 2 * n], superBlock = new byte[8 * 16];
        short[] halfScales = halves ? new short[blocks * n] : null;
        float[] scales = halves ? null : new float[blocks * n], offsets = halves ? null : new float[blocks * n];
        MemorySegment m = q.data();
        for (int j = 0; j < n; j++) {
            long at = q.rowOffset(j);
            int b0 = j * blocks;
            if (q.format(j) == QuantizedMatrix.Format.Q4_0) {
                for (int b = 0; b < blocks; b++, at += 18) {
                    short d = m.get(QuantizedMatrix.HALF, at);
                    if (halves) {
                        halfScales[b0 + b] = d;
                    } else {
                        scales[b0 + b] = F16Kernels.value(d);
                        offsets[b0 + b] = 8 * scales[b0 + b];
                    }
                    MemorySegment.copy(m, ValueLayout.JAVA_BYTE, at + 2, nibbles, at(n, blocks, j, b), 16); // already in this order
                }
            } else {
                for (int b = 0; b < blocks; b += 8, at += 144) {
                    Q4KKernels.unpack(m, at, superBlock, 0, scales, offsets, b0 + b);
                    for (int s = 0; s < 8; s++) System.arraycopy(superBlock, 16 * s, nibbles, at(n, blocks, j, b + s), 16);
                }
            }
            q.copied(j);
        }
        if (halves && !F16Kernels.allFinite(halfScales)) { // the kernels widen halves assuming finite ones
            scales = new float[halfScales.length];
            offsets = new float[halfScales.length];
            for (int i = 0; i < scales.length; i++) {
                scales[i] = F16Kernels.value(halfScales[i]);
                offsets[i] = 8 * scales[i];
            }
            halfScales = null;
        }
        return new Int4Matrix(nibbles, halfScales, scales, offsets, k, n);
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int n() {
        return n;
    }

    /** The nibbles, block b of stored row j at {@link #at}. */
    byte[] nibbles() {
        return nibbles;
    }

    /**
     * Where block b of stored row j starts in {@link #nibbles()}. Stored rows 4g … 4g+3 fill
     * [4g·k/2, (4g + 4)·k/2), block by block: block b of the four rows, one after another, from
     * 4g·k/2 + 4·16·b. The last n mod 4 rows follow row after row, row j at [j·k/2, (j + 1)·k/2).
     */
    int at(int j, int b) {
        return at(n, k / BLOCK, j, b);
    }

    private static int at(int n, int blocks, int j, int b) {
        if (j >= n - n % 4) return 16 * (j * blocks + b);
        return 16 * ((j & ~3) * blocks + 4 * b + (j & 3));
    }

    /** Q4_0's scales as finite halves, block b of stored row j at j·(k / 32) + b; else null. */
    short[] halfScales() {
        return halfScales;
    }

    /** The scales as floats, indexed as {@link #halfScales}; null when they are halves. */
    float[] scales() {
        return scales;
    }

    /** The offsets m, indexed as the scales; null when the scales are halves (m = 8·s). */
    float[] offsets() {
        return offsets;
    }

    /** The scale s at {@code at} (j·(k / 32) + b). */
    float scale(int at) {
        return halfScales != null ? Float.float16ToFloat(halfScales[at]) : scales[at];
    }

    /** The offset m at {@code at}. */
    float offset(int at) {
        return offsets != null ? offsets[at] : 8 * Float.float16ToFloat(halfScales[at]);
    }

    /** W[i][j] = s·q − m in float, as ggml dequantizes. */
    float value(int j, int i) {
        int b = i / BLOCK, within = i % BLOCK, d = j * (k / BLOCK) + b;
        int q = nibbles[at(j, b) + within % 16] & 0xff;
        return scale(d) * (within < 16 ? q & 0x0f : q >>> 4) - offset(d);
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
