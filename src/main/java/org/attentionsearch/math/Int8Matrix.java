package org.attentionsearch.math;

import java.util.List;
import java.util.Objects;

/**
 * A weight matrix W [k × n] holding Q8_0's numbers (or Q4_0's, see {@link #of}) laid out for
 * streaming: the signed bytes q in one array, four stored rows interleaved block by block (see
 * {@link #at}), and every block's scale d in another, W[i][j] = d[j][i / 32] · q[j][i] exactly
 * as ggml dequantizes Q8_0. In the file each block of 32 bytes follows its 2-byte scale, so the
 * loads of a row are never aligned and every read goes through a memory segment's checks;
 * measured side by side, reading the same numbers from these two arrays decodes about twice as
 * fast. The scales are floats by default, a sixteenth of a byte per weight more than the file's
 * half per 32 (8 MB on a 135M-parameter model): widening halves a panel at a time before the
 * products cost a one-thread decoding step 10–20% in the side-by-side benchmark.
 * {@link #of(QuantizedMatrix, boolean)} keeps the file's halves instead, at the file's size.
 *
 * <p>A decoding step multiplies four stored rows at a time, loading each vector of x once for
 * the four. With rows side by side, that read four short streams (a row is k bytes, a few
 * hundred to a few thousand) that start over every four rows, which memory serves more slowly
 * than one stream; with the four rows' blocks interleaved, the step reads the array from start
 * to end.
 */
public final class Int8Matrix implements WeightMatrix {
    /** Values per block: one scale each. */
    public static final int BLOCK = 32;

    /** Values per block of Q6_K: one scale d·sc each. */
    static final int SIXTEEN = 16;

    private final byte[] quants;
    /** Q8_0's and Q4_0's scales d as the file's halves, all finite, when asked for; else null. */
    private final short[] halfScales;
    /** The scales as floats: Q6_K's d·sc, which need up to 19 significant bits (no half holds them), and Q8_0's and Q4_0's unless kept as halves; else null. */
    private final float[] scales;
    private final int block;
    private final int k;
    private final int n;

    private Int8Matrix(byte[] quants, short[] halfScales, float[] scales, int block, int k, int n) {
        this.quants = quants;
        this.halfScales = halfScales;
        this.scales = scales;
        this.block = block;
        this.k = k;
        this.n = n;
    }

    /** Whether a matrix of n stored rows of k values fits in Java arrays. */
    public static boolean fits(int k, int n) {
        return (long) k * n <= Integer.MAX_VALUE - 8;
    }

    /** Whether {@code q}'s stored rows are all in formats this form holds: Q8_0 and Q4_0, mixed or not, or Q6_K alone. */
    public static boolean holds(QuantizedMatrix q) {
        List<QuantizedMatrix.Format> formats = q.formats();
        if (formats.equals(List.of(QuantizedMatrix.Format.Q6_K))) return true;
        for (QuantizedMatrix.Format f : formats) {
            if (f != QuantizedMatrix.Format.Q8_0 && f != QuantizedMatrix.Format.Q4_0) return false;
        }
        return true;
    }

    /**
     * The Q8_0 or Q4_0 blocks of {@code q} (either or both), or its Q6_K blocks, copied out in row
     * order; a mapped file's pages are then released. Q4_0's x = d·(q − 8) is a signed byte q − 8
     * in [−8, 7] times the block's d, so it is held as Q8_0 is; Q6_K's x = (d·sc)·(q − 32) per 16
     * values is a signed byte q − 32 times a scale d·sc per 16 (exact in float: d has 11
     * significant bits, sc 8). Each value is the same bit for bit.
     */
    public static Int8Matrix of(QuantizedMatrix q) {
        return of(q, false);
    }

    /**
     * As {@link #of(QuantizedMatrix)}, Q8_0's and Q4_0's scales kept as the file's halves when
     * {@code halves} is set and every one is finite (the products widen them a panel at a time),
     * else as floats.
     */
    public static Int8Matrix of(QuantizedMatrix q, boolean halves) {
        if (!holds(q)) {
            throw new IllegalArgumentException("only Q8_0 and Q4_0 blocks, or Q6_K blocks, hold one signed byte per value, not " + q.formats());
        }
        boolean q6 = q.formats().equals(List.of(QuantizedMatrix.Format.Q6_K));
        int k = q.k(), n = q.n(), block = q6 ? SIXTEEN : BLOCK, blocks = k / block;
        if (!fits(k, n)) throw new IllegalArgumentException(q + " does not fit in one array");
        byte[] quants = new byte[k * n], superBlock = q6 ? new byte[16 * SIXTEEN] : null;
        // Floats are written directly (no array of halves left behind for the collector).
        short[] halfScales = q6 || !halves ? null : new short[blocks * n];
        float[] scales = halfScales == null ? new float[blocks * n] : null;
        for (int j = 0; j < n; j++) {
            QuantizedMatrix.Format f = q.format(j);
            for (int b = 0; b < blocks; b++) {
                // d is a half in the file: widened to float (and back, to keep it as a half) exactly.
                if (f == QuantizedMatrix.Format.Q8_0) {
                    keep(q.q8Scale(j, b), halfScales, scales, j * blocks + b);
                    q.copyQ8Quants(j, b, quants, at(k, n, block, j, b * BLOCK));
                } else if (f == QuantizedMatrix.Format.Q4_0) {
                    keep(Q4Kernels.signedQuants(q.data(), q.rowOffset(j) + 18L * b, quants, at(k, n, block, j, b * BLOCK)),
                            halfScales, scales, j * blocks + b);
                } else if (b % 16 == 0) { // one Q6_K block of 256 values: 16 scales, each over 16 values kept together
                    Q6KKernels.unpack(q.data(), q.rowOffset(j) + 210L * (b / 16), superBlock, 0, scales, j * blocks + b);
                    for (int s = 0; s < 16; s++) {
                        System.arraycopy(superBlock, s * SIXTEEN, quants, at(k, n, block, j, (b + s) * SIXTEEN), SIXTEEN);
                    }
                }
            }
            q.copied(j);
        }
        if (halfScales != null && !F16Kernels.allFinite(halfScales)) { // the kernels widen halves assuming finite ones
            scales = new float[halfScales.length];
            for (int i = 0; i < scales.length; i++) scales[i] = Float.float16ToFloat(halfScales[i]);
            halfScales = null;
        }
        return new Int8Matrix(quants, halfScales, scales, block, k, n);
    }

    /** Scale d at {@code at}, into the halves when they are kept, else into the floats. */
    private static void keep(float d, short[] halves, float[] floats, int at) {
        if (halves != null) halves[at] = Float.floatToFloat16(d);
        else floats[at] = d;
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int n() {
        return n;
    }

    /** The signed bytes, value i of stored row j at {@link #at(int, int)}. */
    byte[] quants() {
        return quants;
    }

    /**
     * Where value i of stored row j is in {@link #quants()}. Stored rows 4g … 4g+3 fill
     * [4g·k, (4g + 4)·k), block by block: block b of the four rows, one after another, from
     * 4g·k + 4·b·block. The last n mod 4 rows follow row after row, row j at [j·k, (j + 1)·k).
     * A block's values are always side by side.
     */
    int at(int j, int i) {
        return at(k, n, block, j, i);
    }

    private static int at(int k, int n, int block, int j, int i) {
        if (j >= n - n % 4) return j * k + i;
        return (j & ~3) * k + (i / block) * 4 * block + (j & 3) * block + i % block;
    }

    /** Q8_0's and Q4_0's scales as finite halves when kept so, block b of stored row j at j·(k / 32) + b; else null. */
    short[] halfScales() {
        return halfScales;
    }

    /** The scales as floats, block b of stored row j at j·(k / block) + b; null when they are halves. */
    float[] scales() {
        return scales;
    }

    /** The scale at {@code at} (j·(k / block) + b) as a float. */
    float scale(int at) {
        return halfScales != null ? Float.float16ToFloat(halfScales[at]) : scales[at];
    }

    /** Values per scale: 32 ({@link #BLOCK}), or 16 ({@link #SIXTEEN}) for Q6_K. */
    int block() {
        return block;
    }

    /** W[i][j] = d·q in float, as ggml dequantizes. */
    float value(int j, int i) {
        return quants[at(j, i)] * scale(j * (k / block) + i / block);
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
        return "8-bit matrix (bytes and scales per " + block + " apart) " + k + " × " + n;
    }
}
