package org.attentionsearch.math;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Objects;

/**
 * A weight matrix W [k × n] holding Q8_0's numbers (or Q4_0's or Q6_K's, see {@link #of}) laid
 * out as one stream for a decoding step: four stored rows at a time, block by block, the four
 * rows' signed bytes q and then their four scales d as floats (see {@link #at} and
 * {@link #scaleAt}), W[i][j] = d[j][i / 32] · q[j][i] exactly as ggml dequantizes Q8_0.
 *
 * <p>In the file each block of 32 bytes follows its 2-byte scale, so the loads of a row are
 * never aligned and every read goes through a memory segment's checks; measured side by side,
 * reading the same numbers from an array decodes about twice as fast. A decoding step
 * multiplies four stored rows at a time, loading each vector of x once for the four, and reads
 * this array from start to end: one stream. With the bytes and the scales in two arrays, two
 * streams, the same products ran 5–16% slower in a kernel loop, and in the launcher's serial
 * collector, which packs arrays side by side, a pass over SmolLM2's LM head took 1.2–1.6 ms or
 * 1.0 ms depending on where the two arrays landed. A float per block costs a sixteenth of a byte
 * per weight more than the file's half (8 MB on a 135M-parameter model).
 *
 * <p>The last group is filled up to four rows with zero rows (at most three), so that every
 * stored row is read the same way.
 */
public final class Int8Matrix implements WeightMatrix {
    /** Values per block: one scale each. */
    public static final int BLOCK = 32;

    /** Values per block of Q6_K: one scale d·sc each. */
    static final int SIXTEEN = 16;

    /** Scales as little-endian floats inside the byte array. */
    private static final VarHandle FLOATS = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] data;
    private final int block;
    private final int k;
    private final int n;

    private Int8Matrix(byte[] data, int block, int k, int n) {
        this.data = data;
        this.block = block;
        this.k = k;
        this.n = n;
    }

    /** Whether a matrix of n stored rows of k values fits in one Java array. */
    public static boolean fits(int k, int n) {
        return bytes(k, n, SIXTEEN) <= Integer.MAX_VALUE - 8;
    }

    /** The array's length: (n rounded up to 4)·(k / block) blocks of 4·block bytes and four floats. */
    private static long bytes(int k, int n, int block) {
        return ((n + 3L) / 4) * (k / block) * step(block);
    }

    /** Bytes from one block of a group of four stored rows to the next. */
    static int step(int block) {
        return 4 * block + 16;
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
        if (!holds(q)) {
            throw new IllegalArgumentException("only Q8_0 and Q4_0 blocks, or Q6_K blocks, hold one signed byte per value, not " + q.formats());
        }
        boolean q6 = q.formats().equals(List.of(QuantizedMatrix.Format.Q6_K));
        int k = q.k(), n = q.n(), block = q6 ? SIXTEEN : BLOCK, blocks = k / block;
        if (!fits(k, n)) throw new IllegalArgumentException(q + " does not fit in one array");
        byte[] data = new byte[(int) bytes(k, n, block)], superBlock = q6 ? new byte[16 * SIXTEEN] : null;
        float[] sixteen = q6 ? new float[16] : null;
        for (int j = 0; j < n; j++) {
            QuantizedMatrix.Format f = q.format(j);
            for (int b = 0; b < blocks; b++) {
                // d is a half in the file, widened to float exactly
                if (f == QuantizedMatrix.Format.Q8_0) {
                    FLOATS.set(data, scaleAt(k, block, j, b), q.q8Scale(j, b));
                    q.copyQ8Quants(j, b, data, at(k, block, j, b * BLOCK));
                } else if (f == QuantizedMatrix.Format.Q4_0) {
                    float d = Q4Kernels.signedQuants(q.data(), q.rowOffset(j) + 18L * b, data, at(k, block, j, b * BLOCK));
                    FLOATS.set(data, scaleAt(k, block, j, b), d);
                } else if (b % 16 == 0) { // one Q6_K block of 256 values: 16 scales, each over 16 values kept together
                    Q6KKernels.unpack(q.data(), q.rowOffset(j) + 210L * (b / 16), superBlock, 0, sixteen, 0);
                    for (int s = 0; s < 16; s++) {
                        System.arraycopy(superBlock, s * SIXTEEN, data, at(k, block, j, (b + s) * SIXTEEN), SIXTEEN);
                        FLOATS.set(data, scaleAt(k, block, j, b + s), sixteen[s]);
                    }
                }
            }
            q.copied(j);
        }
        return new Int8Matrix(data, block, k, n);
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int n() {
        return n;
    }

    /** The bytes and scales, value i of stored row j at {@link #at(int, int)}, its block's scale at {@link #scaleAt(int, int)}. */
    byte[] data() {
        return data;
    }

    /**
     * Where value i of stored row j is in {@link #data()}. Stored rows 4g … 4g+3 are one stretch,
     * block by block: block b of the group starts at (g·blocks + b)·step, the four rows' block
     * bytes one after another, then their four scales. A block's values are always side by side,
     * 16-byte aligned within the array.
     */
    int at(int j, int i) {
        return at(k, block, j, i);
    }

    private static int at(int k, int block, int j, int i) {
        return ((j >> 2) * (k / block) + i / block) * step(block) + (j & 3) * block + i % block;
    }

    /** Where the scale of block b of stored row j is in {@link #data()}: a little-endian float after the group's block bytes. */
    int scaleAt(int j, int b) {
        return scaleAt(k, block, j, b);
    }

    private static int scaleAt(int k, int block, int j, int b) {
        return ((j >> 2) * (k / block) + b) * step(block) + 4 * block + 4 * (j & 3);
    }

    /** The scale of block b of stored row j. */
    float scale(int j, int b) {
        return (float) FLOATS.get(data, scaleAt(j, b));
    }

    /** The float at {@code at} in {@code data}, as {@link #scaleAt} places it. */
    static float floatAt(byte[] data, int at) {
        return (float) FLOATS.get(data, at);
    }

    /** Values per scale: 32 ({@link #BLOCK}), or 16 ({@link #SIXTEEN}) for Q6_K. */
    int block() {
        return block;
    }

    /** W[i][j] = d·q in float, as ggml dequantizes. */
    float value(int j, int i) {
        return data[at(j, i)] * scale(j, i / block);
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
        return "8-bit matrix (bytes and a float scale per " + block + ", four rows at a time) " + k + " × " + n;
    }
}
