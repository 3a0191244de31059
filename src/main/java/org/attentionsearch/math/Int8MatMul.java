package org.attentionsearch.math;

import static org.attentionsearch.math.PackedMatrix.LANES;
import static org.attentionsearch.math.PackedMatrix.PANEL;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = epilogue(a·W + bias) with W an {@link Int8Matrix}; the contract of {@link MatMul}.
 *
 * <p>A few rows (decoding one token): c[r][j] = Σ_b d_jb · Σ_i q_jbi · a[r][32b + i] (16b + i for
 * Q6_K's scales per 16), one pass over the bytes and scales from start to end, four stored rows
 * at a time (stored so, see {@link Int8Matrix#at}) so that every vector of a is loaded once for
 * four rows; threads take runs of {@link PackedMatrix#PANEL} stored rows, so they read disjoint
 * rows and write disjoint stretches of c. More rows (a prompt): {@link MatMul#multiplyByPanels}.
 * Twin: {@link ScalarMatMul} on W spelled out value by value ({@code w.rows(0, k)}).
 */
public final class Int8MatMul {
    private static final VectorSpecies<Float> S = PackedMatrix.SPECIES;
    /** Bytes widened to one float vector: the byte species of as many lanes. */
    private static final VectorSpecies<Byte> B = LANES == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    /** Whether the vector kernels apply: a block of 32 or 16 is a whole number of vectors. */
    static final boolean VECTOR = LANES == 8 || LANES == 16;
    /** Up to this many rows, the bytes are read directly; above it, panels are dequantized. */
    static final int DIRECT_ROWS = 3;

    private Int8MatMul() {
    }

    /** As {@link MatMul#multiply(float[], int, PackedMatrix, float[], Epilogue, float[], float[], Parallel.RangeBody)}. */
    public static void multiply(float[] a, int rows, Int8Matrix w, float[] bias, Epilogue epilogue,
                                float[] residual, float[] c, Parallel.RangeBody thenRows) {
        int k = w.k(), n = w.n();
        MatMul.check(a, rows, k, n, bias, epilogue, residual, c);
        if (rows == 0) return;
        if (rows > DIRECT_ROWS || !VECTOR) {
            MatMul.multiplyByPanels(a, rows, w, bias, epilogue, residual, c);
        } else {
            boolean sixteens = w.block() == Int8Matrix.SIXTEEN;
            Parallel.forRange((n + PANEL - 1) / PANEL, 1, (p0, p1) -> {
                float[] tile = new float[rows * PANEL], lanes = new float[4 * LANES]; // four accumulators on their way to Lanes.sum4
                for (int p = p0; p < p1; p++) {
                    int width = Math.min(PANEL, n - p * PANEL);
                    // the last group's rows past n are zeros; their sums land in the tile past width, which is not written out
                    for (int r = 0; r < rows; r++) {
                        if (sixteens) panelSixteens(w, p * PANEL, width, a, r * k, tile, r * PANEL, lanes);
                        else panel(w, p * PANEL, width, a, r * k, tile, r * PANEL, lanes);
                    }
                    MatMul.writeTile(tile, rows, c, n, 0, p * PANEL, bias, epilogue, residual);
                }
            });
        }
        if (thenRows != null) Parallel.forRange(rows, 1, thenRows);
    }

    /**
     * Stored rows j … j + width − 1 (j a multiple of 4; the last group's filling rows land in
     * out past width) against x, four at a time, into out[o0 …]: per block, Σ_i q·x in a vector
     * of partial sums for each of the group's rows, then scaled by the block's d (the four floats
     * after the group's block bytes) into the row's accumulator.
     */
    static void panel(Int8Matrix w, int j, int width, float[] x, int xOff, float[] out, int o0, float[] lanes) {
        byte[] q = w.data();
        int blocks = w.k() / Int8Matrix.BLOCK, step = Int8Matrix.step(Int8Matrix.BLOCK);
        // every group of the panel in this one method: called a group at a time, the same loop ran a third slower
        for (int jj = 0; jj < width; jj += 4) {
            int group = (j + jj) / 4 * blocks * step, o = o0 + jj;
            FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (int b = 0; b < blocks; b++) {
                int at = group + b * step; // the four rows' blocks b, one after another, then their scales
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (int v = 0; v < Int8Matrix.BLOCK; v += LANES) {
                    FloatVector xv = FloatVector.fromArray(S, x, xOff + b * Int8Matrix.BLOCK + v);
                    s0 = widen(q, at + v).fma(xv, s0);
                    s1 = widen(q, at + Int8Matrix.BLOCK + v).fma(xv, s1);
                    s2 = widen(q, at + 2 * Int8Matrix.BLOCK + v).fma(xv, s2);
                    s3 = widen(q, at + 3 * Int8Matrix.BLOCK + v).fma(xv, s3);
                }
                int d = at + 4 * Int8Matrix.BLOCK;
                acc0 = s0.fma(FloatVector.broadcast(S, Int8Matrix.floatAt(q, d)), acc0);
                acc1 = s1.fma(FloatVector.broadcast(S, Int8Matrix.floatAt(q, d + 4)), acc1);
                acc2 = s2.fma(FloatVector.broadcast(S, Int8Matrix.floatAt(q, d + 8)), acc2);
                acc3 = s3.fma(FloatVector.broadcast(S, Int8Matrix.floatAt(q, d + 12)), acc3);
            }
            acc0.intoArray(lanes, 0);
            acc1.intoArray(lanes, LANES);
            acc2.intoArray(lanes, 2 * LANES);
            acc3.intoArray(lanes, 3 * LANES);
            Lanes.sum4(lanes, 0, out, o);
        }
    }

    /**
     * As {@link #panel} with a scale per 16 values (Q6_K's): per block, one vector or two. A
     * method of its own because the block size must be a constant in the loops: one method taking
     * it as an argument ran 12–25% slower on Q8_0 in a kernel loop.
     */
    static void panelSixteens(Int8Matrix w, int j, int width, float[] x, int xOff, float[] out, int o0, float[] lanes) {
        byte[] q = w.data();
        int blocks = w.k() / Int8Matrix.SIXTEEN, step = Int8Matrix.step(Int8Matrix.SIXTEEN);
        // every group of the panel in this one method: called a group at a time, the same loop ran a third slower
        for (int jj = 0; jj < width; jj += 4) {
            int group = (j + jj) / 4 * blocks * step, o = o0 + jj;
            FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (int b = 0; b < blocks; b++) {
                int at = group + b * step; // the four rows' blocks b, one after another, then their scales
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (int v = 0; v < Int8Matrix.SIXTEEN; v += LANES) {
                    FloatVector xv = FloatVector.fromArray(S, x, xOff + b * Int8Matrix.SIXTEEN + v);
                    s0 = widen(q, at + v).fma(xv, s0);
                    s1 = widen(q, at + Int8Matrix.SIXTEEN + v).fma(xv, s1);
                    s2 = widen(q, at + 2 * Int8Matrix.SIXTEEN + v).fma(xv, s2);
                    s3 = widen(q, at + 3 * Int8Matrix.SIXTEEN + v).fma(xv, s3);
                }
                int d = at + 4 * Int8Matrix.SIXTEEN;
                acc0 = s0.fma(FloatVector.broadcast(S, Int8Matrix.floatAt(q, d)), acc0);
                acc1 = s1.fma(FloatVector.broadcast(S, Int8Matrix.floatAt(q, d + 4)), acc1);
                acc2 = s2.fma(FloatVector.broadcast(S, Int8Matrix.floatAt(q, d + 8)), acc2);
                acc3 = s3.fma(FloatVector.broadcast(S, Int8Matrix.floatAt(q, d + 12)), acc3);
            }
            acc0.intoArray(lanes, 0);
            acc1.intoArray(lanes, LANES);
            acc2.intoArray(lanes, 2 * LANES);
            acc3.intoArray(lanes, 3 * LANES);
            Lanes.sum4(lanes, 0, out, o);
        }
    }

    /** Stored row j (W's column j) as floats d·q into out[off, off + k). */
    static void dequantizeRow(Int8Matrix w, int j, float[] out, int off) {
        int k = w.k(), block = w.block(), blocks = k / block;
        if (!VECTOR) {
            for (int i = 0; i < k; i++) out[off + i] = w.value(j, i);
            return;
        }
        for (int b = 0; b < blocks; b++) {
            float d = w.scale(j, b);
            int at = w.at(j, b * block);
            for (int v = 0; v < block; v += LANES) widen(w.data(), at + v).mul(d).intoArray(out, off + b * block + v);
        }
    }

    /** LANES signed bytes from q[at] as floats. */
    private static FloatVector widen(byte[] q, int at) {
        return (FloatVector) ByteVector.fromArray(B, q, at).convertShape(VectorOperators.B2F, S, 0);
    }
}
