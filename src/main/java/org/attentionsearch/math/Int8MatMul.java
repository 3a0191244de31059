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
 * Q6_K's scales per 16), one pass over the bytes from start to end, four stored rows at a time
 * (stored interleaved, see {@link Int8Matrix#at}) so that every vector of a is loaded once for
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
            int blocks = k / w.block();
            Parallel.forRange((n + PANEL - 1) / PANEL, 1, (p0, p1) -> {
                float[] tile = new float[rows * PANEL], lanes = new float[4 * LANES]; // four accumulators on their way to Lanes.sum4
                // Halves are widened a panel at a time with vector shifts (exact: they are finite),
                // so the products read floats as they read Q6_K's scales.
                float[] widened = w.halfScales() == null ? null : new float[PANEL * blocks];
                for (int p = p0; p < p1; p++) {
                    int width = Math.min(PANEL, n - p * PANEL), jj = 0;
                    float[] d = widened == null ? w.scales() : widened;
                    int dOff = widened == null ? p * PANEL * blocks : 0;
                    if (widened != null) HalfAttentionKernel.widen(w.halfScales(), p * PANEL * blocks, widened, 0, width * blocks);
                    for (; jj + 4 <= width; jj += 4) {
                        for (int r = 0; r < rows; r++) {
                            if (sixteens) dot4Sixteens(w, p * PANEL + jj, a, r * k, tile, r * PANEL + jj, d, dOff + jj * blocks, lanes);
                            else dot4(w, p * PANEL + jj, a, r * k, tile, r * PANEL + jj, d, dOff + jj * blocks, lanes);
                        }
                    }
                    for (; jj < width; jj++) {
                        for (int r = 0; r < rows; r++) tile[r * PANEL + jj] = dot(w, p * PANEL + jj, a, r * k, lanes);
                    }
                    MatMul.writeTile(tile, rows, c, n, 0, p * PANEL, bias, epilogue, residual);
                }
            });
        }
        if (thenRows != null) Parallel.forRange(rows, 1, thenRows);
    }

    /**
     * Stored rows j … j+3 (j a multiple of 4, below the last n mod 4 rows: one interleaved
     * group) against x at once, into out[o … o+3]: per block, Σ_i q·x in a vector
     * of partial sums, then scaled by the block's d into the row's accumulator; row j's scales
     * are d[dOff, dOff + k / 32), the next rows' follow.
     */
    static void dot4(Int8Matrix w, int j, float[] x, int xOff, float[] out, int o, float[] d, int dOff, float[] lanes) {
        byte[] q = w.quants();
        int k = w.k(), blocks = k / Int8Matrix.BLOCK;
        int d0 = dOff, d1 = d0 + blocks, d2 = d1 + blocks, d3 = d2 + blocks;
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int v = 0; v < Int8Matrix.BLOCK; v += LANES) {
                int i = b * Int8Matrix.BLOCK + v, at = j * k + 4 * b * Int8Matrix.BLOCK + v; // the four rows' blocks b, one after another
                FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
                s0 = widen(q, at).fma(xv, s0);
                s1 = widen(q, at + Int8Matrix.BLOCK).fma(xv, s1);
                s2 = widen(q, at + 2 * Int8Matrix.BLOCK).fma(xv, s2);
                s3 = widen(q, at + 3 * Int8Matrix.BLOCK).fma(xv, s3);
            }
            acc0 = s0.fma(FloatVector.broadcast(S, d[d0 + b]), acc0);
            acc1 = s1.fma(FloatVector.broadcast(S, d[d1 + b]), acc1);
            acc2 = s2.fma(FloatVector.broadcast(S, d[d2 + b]), acc2);
            acc3 = s3.fma(FloatVector.broadcast(S, d[d3 + b]), acc3);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, LANES);
        acc2.intoArray(lanes, 2 * LANES);
        acc3.intoArray(lanes, 3 * LANES);
        Lanes.sum4(lanes, 0, out, o);
    }

    /** As {@link #dot4} with a scale per 16 values (Q6_K's): per block, one vector or two. */
    static void dot4Sixteens(Int8Matrix w, int j, float[] x, int xOff, float[] out, int o, float[] d, int dOff, float[] lanes) {
        byte[] q = w.quants();
        int k = w.k(), blocks = k / Int8Matrix.SIXTEEN;
        int d0 = dOff, d1 = d0 + blocks, d2 = d1 + blocks, d3 = d2 + blocks;
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int v = 0; v < Int8Matrix.SIXTEEN; v += LANES) {
                int i = b * Int8Matrix.SIXTEEN + v, at = j * k + 4 * b * Int8Matrix.SIXTEEN + v; // the four rows' blocks b, one after another
                FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
                s0 = widen(q, at).fma(xv, s0);
                s1 = widen(q, at + Int8Matrix.SIXTEEN).fma(xv, s1);
                s2 = widen(q, at + 2 * Int8Matrix.SIXTEEN).fma(xv, s2);
                s3 = widen(q, at + 3 * Int8Matrix.SIXTEEN).fma(xv, s3);
            }
            acc0 = s0.fma(FloatVector.broadcast(S, d[d0 + b]), acc0);
            acc1 = s1.fma(FloatVector.broadcast(S, d[d1 + b]), acc1);
            acc2 = s2.fma(FloatVector.broadcast(S, d[d2 + b]), acc2);
            acc3 = s3.fma(FloatVector.broadcast(S, d[d3 + b]), acc3);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, LANES);
        acc2.intoArray(lanes, 2 * LANES);
        acc3.intoArray(lanes, 3 * LANES);
        Lanes.sum4(lanes, 0, out, o);
    }

    /** Σ_i W[i][j]·x[xOff + i], stored row j alone, summed as {@link #dot4} or {@link #dot4Sixteens} sums each of its rows. */
    static float dot(Int8Matrix w, int j, float[] x, int xOff, float[] lanes) {
        byte[] q = w.quants();
        int k = w.k(), block = w.block(), blocks = k / block;
        FloatVector acc = FloatVector.zero(S);
        for (int b = 0; b < blocks; b++) {
            FloatVector s = FloatVector.zero(S);
            for (int v = 0; v < block; v += LANES) {
                int i = b * block + v;
                s = widen(q, w.at(j, b * block) + v).fma(FloatVector.fromArray(S, x, xOff + i), s);
            }
            acc = s.fma(FloatVector.broadcast(S, w.scale(j * blocks + b)), acc);
        }
        acc.intoArray(lanes, 0);
        return Lanes.sum(lanes, 0);
    }

    /** Stored row j (W's column j) as floats d·q into out[off, off + k). */
    static void dequantizeRow(Int8Matrix w, int j, float[] out, int off) {
        int k = w.k(), block = w.block(), blocks = k / block;
        if (!VECTOR) {
            for (int i = 0; i < k; i++) out[off + i] = w.value(j, i);
            return;
        }
        for (int b = 0; b < blocks; b++) {
            float d = w.scale(j * blocks + b);
            for (int v = 0; v < block; v += LANES) {
                int i = b * block + v;
                widen(w.quants(), w.at(j, b * block) + v).mul(d).intoArray(out, off + i);
            }
        }
    }

    /** LANES signed bytes from q[at] as floats. */
    private static FloatVector widen(byte[] q, int at) {
        return (FloatVector) ByteVector.fromArray(B, q, at).convertShape(VectorOperators.B2F, S, 0);
    }
}
