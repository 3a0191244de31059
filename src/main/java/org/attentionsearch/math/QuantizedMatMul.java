package org.attentionsearch.math;

import static org.attentionsearch.math.PackedMatrix.LANES;
import static org.attentionsearch.math.PackedMatrix.PANEL;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.Arrays;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = epilogue(a·W + bias) with W a {@link QuantizedMatrix}, its blocks read in place; the
 * contract of {@link MatMul}. Work is shared out by panels of {@link PackedMatrix#PANEL}
 * columns of W (stored rows), each thread a contiguous run of panels, so threads write
 * disjoint stretches of c and read disjoint stored rows.
 *
 * <p>A few rows (decoding one token): c[r][j] = Σ_b d_jb · Σ_i q_jbi · a[r][32b + i], one pass
 * over the stored rows, each block's 32 values widened to floats and multiplied with a while
 * it is in registers. More rows (a prompt): each panel is dequantized once into the packed
 * layout of {@link PackedMatrix} and run through {@link MatMul}'s micro-kernels for all rows,
 * so the cost of widening is shared by every row.
 */
public final class QuantizedMatMul {
    private static final VectorSpecies<Float> S = PackedMatrix.SPECIES;
    /** Bytes widened to one float vector: the byte species of as many lanes. */
    private static final VectorSpecies<Byte> B = LANES == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Whether the vector kernels apply: a block is two (Q4_0) or more vectors of bytes. */
    static final boolean VECTOR = LANES == 8 || LANES == 16;
    /** Up to this many rows, the stored rows are read directly (a decoding step); above it, panels are dequantized. */
    static final int DIRECT_ROWS = 3;

    private QuantizedMatMul() {
    }

    /** As {@link MatMul#multiply(float[], int, PackedMatrix, float[], Epilogue, float[], float[], Parallel.RangeBody)}. */
    public static void multiply(float[] a, int rows, QuantizedMatrix w, float[] bias, Epilogue epilogue,
                                float[] residual, float[] c, Parallel.RangeBody thenRows) {
        int k = w.k(), n = w.n();
        MatMul.check(a, rows, k, n, bias, epilogue, residual, c);
        if (rows == 0) return;
        int panels = (n + PANEL - 1) / PANEL;
        if (rows <= DIRECT_ROWS) {
            Parallel.forRange(panels, 1, (p0, p1) -> {
                float[] tile = new float[rows * PANEL];
                for (int p = p0; p < p1; p++) {
                    int width = Math.min(PANEL, n - p * PANEL);
                    int jj = 0;
                    if (VECTOR && w.format() == QuantizedMatrix.Format.Q8_0) {
                        for (; jj + 4 <= width; jj += 4) {
                            for (int r = 0; r < rows; r++) dot4(w, p * PANEL + jj, a, r * k, tile, r * PANEL + jj);
                        }
                    }
                    for (; jj < width; jj++) {
                        for (int r = 0; r < rows; r++) tile[r * PANEL + jj] = dot(w, p * PANEL + jj, a, r * k);
                    }
                    MatMul.writeTile(tile, rows, c, n, 0, p * PANEL, bias, epilogue, residual);
                }
            });
        } else {
            Parallel.forRange(panels, 1, (p0, p1) -> {
                float[] packed = new float[k * PANEL], row = new float[k], tile = new float[MatMul.MR * PANEL];
                for (int p = p0; p < p1; p++) {
                    pack(w, p, row, packed);
                    for (int r = 0, count; r < rows; r += count) {
                        count = MatMul.tileRows(rows - r);
                        if (count > 4) {
                            MatMul.kernel(a, k, r, count, packed, 0, tile);
                        } else if (count > 2) {
                            MatMul.kernel4(a, k, r, count, packed, 0, tile);
                        } else {
                            for (int i = 0; i < count; i++) MatMul.rowKernel(a, k, r + i, packed, 0, tile, i * PANEL);
                        }
                        MatMul.writeTile(tile, count, c, n, r, p * PANEL, bias, epilogue, residual);
                    }
                }
            });
        }
        if (thenRows != null) Parallel.forRange(rows, 1, thenRows);
    }

    /** Panel p of W dequantized into the packed layout: packed[kk·PANEL + jj] = W[kk][p·PANEL + jj], 0 past n. */
    private static void pack(QuantizedMatrix w, int p, float[] row, float[] packed) {
        int k = w.k(), width = Math.min(PANEL, w.n() - p * PANEL);
        for (int jj = 0; jj < width; jj++) {
            dequantizeRow(w, p * PANEL + jj, row, 0);
            for (int kk = 0; kk < k; kk++) packed[kk * PANEL + jj] = row[kk];
        }
        if (width < PANEL) {
            for (int kk = 0; kk < k; kk++) Arrays.fill(packed, kk * PANEL + width, (kk + 1) * PANEL, 0f);
        }
    }

    /** Σ_i W[i][j]·x[xOff + i]: stored row j against x, block by block. */
    static float dot(QuantizedMatrix w, int j, float[] x, int xOff) {
        if (!VECTOR) return scalarDot(w, j, x, xOff);
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int blocks = w.k() / QuantizedMatrix.BLOCK, step = w.format().blockBytes();
        FloatVector acc = FloatVector.zero(S);
        switch (w.format()) {
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++, at += step) {
                    FloatVector sum = FloatVector.zero(S);
                    for (int v = 0; v < QuantizedMatrix.BLOCK; v += LANES) {
                        sum = widen(ByteVector.fromMemorySegment(B, m, at + 2 + v, ByteOrder.LITTLE_ENDIAN))
                                .fma(FloatVector.fromArray(S, x, xOff + 32 * b + v), sum);
                    }
                    acc = sum.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(QuantizedMatrix.HALF, at))), acc);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++, at += step) {
                    FloatVector sum = FloatVector.zero(S);
                    for (int v = 0; v < 16; v += LANES) {
                        ByteVector q = ByteVector.fromMemorySegment(B, m, at + 2 + v, ByteOrder.LITTLE_ENDIAN);
                        sum = widen(low(q)).fma(FloatVector.fromArray(S, x, xOff + 32 * b + v), sum);
                        sum = widen(high(q)).fma(FloatVector.fromArray(S, x, xOff + 32 * b + 16 + v), sum);
                    }
                    acc = sum.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(QuantizedMatrix.HALF, at))), acc);
                }
            }
        }
        return acc.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Q8_0 stored rows j … j+3 against x at once, into out[o … o+3]: each vector of x loaded once
     * for four rows, four independent chains of sums.
     */
    static void dot4(QuantizedMatrix w, int j, float[] x, int xOff, float[] out, int o) {
        MemorySegment m = w.data();
        long at0 = w.rowOffset(j), at1 = w.rowOffset(j + 1), at2 = w.rowOffset(j + 2), at3 = w.rowOffset(j + 3);
        int blocks = w.k() / QuantizedMatrix.BLOCK, step = QuantizedMatrix.Format.Q8_0.blockBytes();
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++, at0 += step, at1 += step, at2 += step, at3 += step) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int v = 0; v < QuantizedMatrix.BLOCK; v += LANES) {
                FloatVector xv = FloatVector.fromArray(S, x, xOff + 32 * b + v);
                s0 = widen(ByteVector.fromMemorySegment(B, m, at0 + 2 + v, ByteOrder.LITTLE_ENDIAN)).fma(xv, s0);
                s1 = widen(ByteVector.fromMemorySegment(B, m, at1 + 2 + v, ByteOrder.LITTLE_ENDIAN)).fma(xv, s1);
                s2 = widen(ByteVector.fromMemorySegment(B, m, at2 + 2 + v, ByteOrder.LITTLE_ENDIAN)).fma(xv, s2);
                s3 = widen(ByteVector.fromMemorySegment(B, m, at3 + 2 + v, ByteOrder.LITTLE_ENDIAN)).fma(xv, s3);
            }
            acc0 = s0.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(QuantizedMatrix.HALF, at0))), acc0);
            acc1 = s1.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(QuantizedMatrix.HALF, at1))), acc1);
            acc2 = s2.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(QuantizedMatrix.HALF, at2))), acc2);
            acc3 = s3.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(QuantizedMatrix.HALF, at3))), acc3);
        }
        out[o] = acc0.reduceLanes(VectorOperators.ADD);
        out[o + 1] = acc1.reduceLanes(VectorOperators.ADD);
        out[o + 2] = acc2.reduceLanes(VectorOperators.ADD);
        out[o + 3] = acc3.reduceLanes(VectorOperators.ADD);
    }

    /** Stored row j (W's column j) as floats into out[off, off + k): d·q in float, as ggml dequantizes. */
    static void dequantizeRow(QuantizedMatrix w, int j, float[] out, int off) {
        if (!VECTOR) {
            for (int i = 0; i < w.k(); i++) out[off + i] = w.value(j, i);
            return;
        }
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int blocks = w.k() / QuantizedMatrix.BLOCK, step = w.format().blockBytes();
        for (int b = 0; b < blocks; b++, at += step) {
            float d = Float.float16ToFloat(m.get(QuantizedMatrix.HALF, at));
            int o = off + 32 * b;
            switch (w.format()) {
                case Q8_0 -> {
                    for (int v = 0; v < QuantizedMatrix.BLOCK; v += LANES) {
                        widen(ByteVector.fromMemorySegment(B, m, at + 2 + v, ByteOrder.LITTLE_ENDIAN)).mul(d).intoArray(out, o + v);
                    }
                }
                case Q4_0 -> {
                    for (int v = 0; v < 16; v += LANES) {
                        ByteVector q = ByteVector.fromMemorySegment(B, m, at + 2 + v, ByteOrder.LITTLE_ENDIAN);
                        widen(low(q)).mul(d).intoArray(out, o + v);
                        widen(high(q)).mul(d).intoArray(out, o + 16 + v);
                    }
                }
            }
        }
    }

    private static FloatVector widen(ByteVector q) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, S, 0);
    }

    /** Q4_0's first half of a block: the low nibbles, less 8. */
    private static ByteVector low(ByteVector q) {
        return q.and((byte) 0x0f).sub((byte) 8);
    }

    /** Q4_0's second half: the high nibbles (an unsigned shift of each byte), less 8. */
    private static ByteVector high(ByteVector q) {
        return q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
    }

    private static float scalarDot(QuantizedMatrix w, int j, float[] x, int xOff) {
        float acc = 0;
        for (int i = 0; i < w.k(); i++) acc += w.value(j, i) * x[xOff + i];
        return acc;
    }
}
