package org.attentionsearch.math;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;

/**
 * A weight matrix W [k × n] kept in a file's own storage where it lies (a memory-mapped file):
 * W's column j is the stored row j of a PyTorch/ggml [n × k] weight, k values in half precision
 * (F16, BF16) or cut into ggml's quantized blocks (Q8_0, Q4_0, Q4_K, Q6_K). Each stored row is
 * found through its own byte offset, and has its own format, so rows of several tensors (a fused
 * q/k/v projection, its v perhaps in another format, as Q4_K_M files have it) or rows in another
 * order (llama's permuted q and k) form one matrix without a copy.
 * {@link QuantizedMatMul} multiplies by it in place; the accessors dequantize what they are
 * asked for, to the values ggml's own dequantization gives.
 */
public final class QuantizedMatrix implements WeightMatrix {

    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The storage layouts read in place: {@link #blockValues()} values of a row in {@link #blockBytes()} bytes. */
    public enum Format {
        /** IEEE half precision, two bytes a value. */
        F16(1, 2),
        /** bfloat16, the upper two bytes of a float32. */
        BF16(1, 2),
        /** block_q8_0: d, then 32 signed bytes q; x = d·q. */
        Q8_0(32, 34),
        /** block_q4_0: d, then 16 bytes, low nibbles values 0..15 and high nibbles 16..31; x = d·(q − 8). */
        Q4_0(32, 18),
        /** block_q4_K: d, dmin, eight 6-bit scales and mins, 256 nibbles; x = d·sc·q − dmin·m per 32 values. */
        Q4_K(256, 144),
        /** block_q6_K: 256 six-bit values (low nibbles, high pairs), 16 signed scales, d; x = d·sc·(q − 32) per 16 values. */
        Q6_K(256, 210);

        private final int blockValues;
        private final int blockBytes;

        Format(int blockValues, int blockBytes) {
            this.blockValues = blockValues;
            this.blockBytes = blockBytes;
        }

        /** Values per block (1 for the half-precision formats). */
        public int blockValues() {
            return blockValues;
        }

        public int blockBytes() {
            return blockBytes;
        }

        /** Bytes of one stored row of k values. */
        public long rowBytes(int k) {
            return (long) (k / blockValues) * blockBytes;
        }
    }

    private static final Format[] FORMATS = Format.values();

    private final MemorySegment data;
    private final long[] rowOffsets;
    /** Each stored row's format, by ordinal. */
    private final byte[] rowFormats;
    private final int k;

    private QuantizedMatrix(MemorySegment data, long[] rowOffsets, byte[] rowFormats, int k) {
        this.data = Objects.requireNonNull(data, "data");
        this.rowOffsets = rowOffsets;
        this.rowFormats = rowFormats;
        this.k = k;
        if (rowOffsets.length == 0) {
            throw new IllegalArgumentException("a matrix needs at least one row");
        }
        for (int j = 0; j < rowOffsets.length; j++) {
            Format format = FORMATS[rowFormats[j]];
            if (k < 1 || k % format.blockValues != 0) {
                throw new IllegalArgumentException("rows of " + k + " values are not whole " + format + " blocks of " + format.blockValues);
            }
            Objects.checkFromIndexSize(rowOffsets[j], format.rowBytes(k), data.byteSize());
        }
    }

    private QuantizedMatrix(Format format, MemorySegment data, long[] rowOffsets, int k) {
        this(data, rowOffsets, filled(rowOffsets.length, format), k);
    }

    private static byte[] filled(int n, Format format) {
        byte[] formats = new byte[n];
        Arrays.fill(formats, (byte) format.ordinal());
        return formats;
    }

    /**
     * The matrix whose stored row j (W's column j) starts at byte {@code rowOffsets[j]} of
     * {@code data}; each row holds k values.
     */
    public static QuantizedMatrix of(Format format, MemorySegment data, long[] rowOffsets, int k) {
        return new QuantizedMatrix(format, data, rowOffsets.clone(), k);
    }

    /** n stored rows of k values one after another from byte {@code offset}, as a ggml tensor lies. */
    public static QuantizedMatrix contiguous(Format format, MemorySegment data, long offset, int n, int k) {
        long[] offsets = new long[n];
        long rowBytes = format.rowBytes(k);
        for (int j = 0; j < n; j++) offsets[j] = offset + j * rowBytes;
        return new QuantizedMatrix(format, data, offsets, k);
    }

    /**
     * The stored rows of each part after those of the one before (W = [W₀ | W₁ | …], the parts'
     * outputs side by side): parts of one row length and data segment, each in its own format.
     */
    public static QuantizedMatrix stack(QuantizedMatrix... parts) {
        QuantizedMatrix first = parts[0];
        int n = 0;
        for (QuantizedMatrix p : parts) {
            if (p.k != first.k || !sameData(p.data, first.data)) {
                throw new IllegalArgumentException("only matrices of one row length and data can be stacked");
            }
            n = Math.addExact(n, p.n());
        }
        long[] offsets = new long[n];
        byte[] formats = new byte[n];
        int at = 0;
        for (QuantizedMatrix p : parts) {
            System.arraycopy(p.rowOffsets, 0, offsets, at, p.n());
            System.arraycopy(p.rowFormats, 0, formats, at, p.n());
            at += p.n();
        }
        return new QuantizedMatrix(first.data, offsets, formats, first.k);
    }

    /** Whether two segments are the same memory: rows of both can share one matrix. */
    public static boolean sameData(MemorySegment a, MemorySegment b) {
        return a == b || a.equals(b);
    }

    /** The format of stored row j (W's column j). */
    public Format format(int j) {
        return FORMATS[rowFormats[j]];
    }

    /** The formats of the stored rows, each once, in the order they first appear. */
    public List<Format> formats() {
        EnumSet<Format> seen = EnumSet.noneOf(Format.class);
        List<Format> out = new ArrayList<>();
        for (byte f : rowFormats) if (seen.add(FORMATS[f])) out.add(FORMATS[f]);
        return out;
    }

    /** The segment the blocks are read from. */
    public MemorySegment data() {
        return data;
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int n() {
        return rowOffsets.length;
    }

    /** Byte offset of stored row j (W's column j) in {@link #data()}. */
    long rowOffset(int j) {
        return rowOffsets[j];
    }

    @Override
    public void multiply(float[] a, int rows, float[] bias, Epilogue epilogue, float[] residual, float[] c,
                         Parallel.RangeBody thenRows) {
        QuantizedMatMul.multiply(a, rows, this, bias, epilogue, residual, c, thenRows);
    }

    /** Block b's scale d of stored row j, a Q8_0 row. */
    float q8Scale(int j, int b) {
        return Float.float16ToFloat(data.get(HALF, rowOffsets[j] + (long) b * Format.Q8_0.blockBytes()));
    }

    /** Block b's 32 signed bytes of stored row j, a Q8_0 row, into out[off, off + 32). */
    void copyQ8Quants(int j, int b, byte[] out, int off) {
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, rowOffsets[j] + (long) b * Format.Q8_0.blockBytes() + 2,
                out, off, Format.Q8_0.blockValues());
    }

    /**
     * Drops the resident pages of a mapped file's blocks once they have been copied out (see
     * {@link Int8Matrix}): a later read faults them back in from the file; the pages of a heap or
     * native segment are left alone. One call over the span of the rows, which may take in the
     * pages of tensors lying between stacked parts: they fault back in as well when read.
     */
    private void releasePages() {
        releasePages(0, rowOffsets.length);
    }

    /** As {@link #releasePages()} for stored rows [first, end). */
    private void releasePages(int first, int end) {
        if (!data.isMapped()) return;
        long from = Long.MAX_VALUE, to = 0;
        for (int j = first; j < end; j++) {
            from = Math.min(from, rowOffsets[j]);
            to = Math.max(to, rowOffsets[j] + format(j).rowBytes(k));
        }
        data.asSlice(from, to - from).unload();
    }

    /** Stored rows copied out between two releases of their pages. */
    private static final int RELEASED_ROWS = 4096;

    /**
     * Called as stored row j has been copied out, in row order: releases the pages of every
     * {@link #RELEASED_ROWS} rows, and of all rows at the last, so that a large table (Qwen's
     * 152,000 rows) is never resident whole twice, copied and mapped, while it is copied.
     */
    void copied(int j) {
        if (j == rowOffsets.length - 1) releasePages();
        else if ((j + 1) % RELEASED_ROWS == 0) releasePages(j + 1 - RELEASED_ROWS, j + 1);
    }

    /** W[i][j]: value i of stored row j, one value decoded on its own, as ggml computes it in float. */
    float value(int j, int i) {
        Format format = format(j);
        long block = rowOffsets[j] + (long) (i / format.blockValues) * format.blockBytes;
        int within = i % format.blockValues;
        return switch (format) {
            case F16 -> F16Kernels.value(data, block);
            case BF16 -> BF16Kernels.value(data, block);
            case Q8_0 -> Q8Kernels.value(data, block, within);
            case Q4_0 -> Q4Kernels.value(data, block, within);
            case Q4_K -> Q4KKernels.value(data, block, within);
            case Q6_K -> Q6KKernels.value(data, block, within);
        };
    }

    /** Stored row j (W's column j), all k values, into out[off, off + k). */
    @Override
    public void column(int j, float[] out, int off) {
        Objects.checkIndex(j, n());
        Objects.checkFromIndexSize(off, k, out.length);
        QuantizedMatMul.dequantizeRow(this, j, out, off);
    }

    @Override
    public float[] rows(int from, int count) {
        return StoredRows.rows(k, n(), from, count, this::value);
    }

    @Override
    public String toString() {
        return formats() + " matrix " + k + " × " + n();
    }
}
