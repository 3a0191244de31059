package org.attentionsearch.math;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A weight matrix W [k × n] kept in ggml's quantized blocks where they lie (a memory-mapped
 * file): W's column j is the stored row j of a PyTorch/ggml [n × k] weight, k values cut into
 * blocks of {@link #BLOCK}, each block one scale d (IEEE half) and its quantized values q.
 * Each stored row is found through its own byte offset, so rows of several tensors (a fused
 * q/k/v projection) or rows in another order (llama's permuted q and k) form one matrix
 * without a copy. {@link QuantizedMatMul} multiplies by it in place; the accessors dequantize
 * what they are asked for.
 */
public final class QuantizedMatrix implements WeightMatrix {
    /** Values per block. */
    public static final int BLOCK = 32;

    static final ValueLayout.OfShort HALF = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The block layouts read in place. */
    public enum Format {
        /** block_q8_0: d, then 32 signed bytes q; x = d·q. */
        Q8_0(34),
        /** block_q4_0: d, then 16 bytes, low nibbles values 0..15 and high nibbles 16..31; x = d·(q − 8). */
        Q4_0(18);

        private final int blockBytes;

        Format(int blockBytes) {
            this.blockBytes = blockBytes;
        }

        public int blockBytes() {
            return blockBytes;
        }

        /** Bytes of one stored row of k values. */
        public long rowBytes(int k) {
            return (long) (k / BLOCK) * blockBytes;
        }
    }

    private final Format format;
    private final MemorySegment data;
    private final long[] rowOffsets;
    private final int k;

    private QuantizedMatrix(Format format, MemorySegment data, long[] rowOffsets, int k) {
        this.format = Objects.requireNonNull(format, "format");
        this.data = Objects.requireNonNull(data, "data");
        this.rowOffsets = rowOffsets;
        this.k = k;
        if (k < BLOCK || k % BLOCK != 0) {
            throw new IllegalArgumentException("rows of " + k + " values are not whole blocks of " + BLOCK);
        }
        if (rowOffsets.length == 0) {
            throw new IllegalArgumentException("a matrix needs at least one row");
        }
        long rowBytes = format.rowBytes(k);
        for (long o : rowOffsets) Objects.checkFromIndexSize(o, rowBytes, data.byteSize());
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
     * outputs side by side): parts of one format, row length and data segment.
     */
    public static QuantizedMatrix stack(QuantizedMatrix... parts) {
        QuantizedMatrix first = parts[0];
        int n = 0;
        for (QuantizedMatrix p : parts) {
            if (p.format != first.format || p.k != first.k || !sameData(p.data, first.data)) {
                throw new IllegalArgumentException("only matrices of one format, row length and data can be stacked");
            }
            n = Math.addExact(n, p.n());
        }
        long[] offsets = new long[n];
        int at = 0;
        for (QuantizedMatrix p : parts) {
            System.arraycopy(p.rowOffsets, 0, offsets, at, p.n());
            at += p.n();
        }
        return new QuantizedMatrix(first.format, first.data, offsets, first.k);
    }

    /** Whether two segments are the same memory: rows of both can share one matrix. */
    public static boolean sameData(MemorySegment a, MemorySegment b) {
        return a == b || a.equals(b);
    }

    public Format format() {
        return format;
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

    /** Block b's scale d of stored row j. */
    float scale(int j, int b) {
        return Float.float16ToFloat(data.get(HALF, rowOffsets[j] + (long) b * format.blockBytes));
    }

    /** Block b's 32 signed bytes of stored row j (a Q8_0 matrix) into out[off, off + 32). */
    void copyQuants(int j, int b, byte[] out, int off) {
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, rowOffsets[j] + (long) b * format.blockBytes + 2, out, off, BLOCK);
    }

    /**
     * Drops the resident pages of a mapped file's blocks once they have been copied out (see
     * {@link Int8Matrix}): a later read faults them back in from the file; the pages of a heap or
     * native segment are left alone. One call over the span of the rows, which may take in the
     * pages of tensors lying between stacked parts: they fault back in as well when read.
     */
    void releasePages() {
        if (!data.isMapped()) return;
        long from = Long.MAX_VALUE, to = 0;
        for (long o : rowOffsets) {
            from = Math.min(from, o);
            to = Math.max(to, o + format.rowBytes(k));
        }
        data.asSlice(from, to - from).unload();
    }

    /** W[i][j]: value i of stored row j, d·q (Q8_0) or d·(q − 8) (Q4_0), as ggml computes it in float. */
    float value(int j, int i) {
        int b = i / BLOCK, within = i % BLOCK;
        long block = rowOffsets[j] + (long) b * format.blockBytes;
        float d = Float.float16ToFloat(data.get(HALF, block));
        return switch (format) {
            case Q8_0 -> data.get(ValueLayout.JAVA_BYTE, block + 2 + within) * d;
            case Q4_0 -> {
                int q = data.get(ValueLayout.JAVA_BYTE, block + 2 + within % 16) & 0xff;
                yield ((within < 16 ? q & 0x0f : q >>> 4) - 8) * d;
            }
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
        Objects.checkFromIndexSize(from, count, k);
        int n = n();
        float[] out = new float[Math.multiplyExact(count, n)];
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < count; r++) out[r * n + j] = value(j, from + r);
        }
        return out;
    }

    @Override
    public String toString() {
        return format + " matrix " + k + " × " + n();
    }
}
