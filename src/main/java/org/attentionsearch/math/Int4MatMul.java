package org.attentionsearch.math;

import static org.attentionsearch.math.PackedMatrix.LANES;
import static org.attentionsearch.math.PackedMatrix.PANEL;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = epilogue(a·W + bias) with W an {@link Int4Matrix}; the contract of {@link MatMul}.
 *
 * <p>A few rows (decoding one token): with W[i][j] = s_jb·q_ji − m_jb over the blocks b of 32,
 * c[r][j] = Σ_b s_jb·(Σ_i q_ji·a[r][i]) − Σ_b m_jb·X_rb, where X_rb = Σ_{i in b} a[r][i] is summed
 * once per row of a and serves every stored row. One pass over the nibbles from start to end,
 * four stored rows at a time (stored interleaved, see {@link Int4Matrix#at}) so that every
 * vector of a is loaded once for four rows; threads take runs of
 * {@link PackedMatrix#PANEL} stored rows. More rows (a prompt): {@link MatMul#multiplyByPanels}.
 * Twin: {@link ScalarMatMul} on W spelled out value by value ({@code w.rows(0, k)}).
 */
public final class Int4MatMul {
    private static final VectorSpecies<Float> S = PackedMatrix.SPECIES;
    /** Bytes widened to one float vector: the byte species of as many lanes. */
    private static final VectorSpecies<Byte> B = LANES == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    /** Whether the vector kernels apply: half a block, 16 values, is a whole number of vectors. */
    static final boolean VECTOR = LANES == 8 || LANES == 16;
    /** Up to this many rows, the nibbles are read directly; above it, panels are dequantized. */
    static final int DIRECT_ROWS = 3;

    private Int4MatMul() {
    }

    /** As {@link MatMul#multiply(float[], int, PackedMatrix, float[], Epilogue, float[], float[], Parallel.RangeBody)}. */
    public static void multiply(float[] a, int rows, Int4Matrix w, float[] bias, Epilogue epilogue,
                                float[] residual, float[] c, Parallel.RangeBody thenRows) {
        int k = w.k(), n = w.n();
        MatMul.check(a, rows, k, n, bias, epilogue, residual, c);
        if (rows == 0) return;
        if (rows > DIRECT_ROWS || !VECTOR) {
            MatMul.multiplyByPanels(a, rows, w, bias, epilogue, residual, c);
        } else {
            float[] sums = blockSums(a, rows, k);
            int blocks = k / Int4Matrix.BLOCK;
            Parallel.forRange((n + PANEL - 1) / PANEL, 1, (p0, p1) -> {
                float[] tile = new float[rows * PANEL], lanes = new float[4 * LANES]; // four accumulators on their way to Lanes.sum4
                // Q4_0's halves are widened a panel at a time (exact: they are finite); its offsets
                // are then 8·s, so the scales serve as offsets, their share multiplied by 8.
                float[] widened = w.halfScales() == null ? null : new float[PANEL * blocks];
                float mFactor = widened == null ? 1 : 8;
                for (int p = p0; p < p1; p++) {
                    int width = Math.min(PANEL, n - p * PANEL), jj = width - width % 4; // whole groups, then row by row
                    float[] s = widened == null ? w.scales() : widened, m = widened == null ? w.offsets() : widened;
                    int sOff = widened == null ? p * PANEL * blocks : 0;
                    if (widened != null) HalfAttentionKernel.widen(w.halfScales(), p * PANEL * blocks, widened, 0, width * blocks);
                    for (int r = 0; r < rows; r++) {
                        groups(w, p * PANEL, jj / 4, a, r * k, sums, r * blocks, tile, r * PANEL, s, m, sOff, mFactor, lanes);
                    }
                    for (; jj < width; jj++) {
                        for (int r = 0; r < rows; r++) {
                            tile[r * PANEL + jj] = dot(w, p * PANEL + jj, a, r * k, sums, r * blocks, s, m, sOff + jj * blocks, mFactor, lanes);
                        }
                    }
                    MatMul.writeTile(tile, rows, c, n, 0, p * PANEL, bias, epilogue, residual);
                }
            });
        }
        if (thenRows != null) Parallel.forRange(rows, 1, thenRows);
    }

    /** X_rb = Σ a[r][32b .. 32b + 31] for each row r and block b, at r·(k / 32) + b. */
    static float[] blockSums(float[] a, int rows, int k) {
        int blocks = k / Int4Matrix.BLOCK;
        float[] sums = new float[rows * blocks], lanes = new float[LANES];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < blocks; b++) {
                int at = r * k + b * Int4Matrix.BLOCK;
                FloatVector s = FloatVector.fromArray(S, a, at);
                for (int v = LANES; v < Int4Matrix.BLOCK; v += LANES) s = s.add(FloatVector.fromArray(S, a, at + v));
                s.intoArray(lanes, 0);
                sums[r * blocks + b] = Lanes.sum(lanes, 0);
            }
        }
        return sums;
    }

    /**
     * Stored rows j … j + 4·count − 1 (whole interleaved groups, see {@link Int4Matrix#at})
     * against x, four at a time, into out[o …]: per block, Σ_i q·x in a vector of partial sums
     * scaled by the block's s into the row's accumulator, and mFactor·m·X into a scalar sum.
     * Row j's scales are s[sOff, sOff + k / 32) and its offsets m at the same places; the next
     * rows' follow. The groups are taken in this one method: called a group at a time, Q8_0's
     * kernel ran a third slower once its scales moved into its stream.
     */
    static void groups(Int4Matrix w, int j0, int count, float[] x, int xOff, float[] sums, int sumsOff, float[] out, int o0,
                       float[] s, float[] m, int sOff0, float mFactor, float[] lanes) {
        byte[] q = w.nibbles();
        int blocks = w.k() / Int4Matrix.BLOCK;
        for (int g = 0; g < count; g++) {
            int j = j0 + 4 * g, o = o0 + 4 * g, sOff = sOff0 + 4 * g * blocks;
            int group = 16 * j * blocks; // the group's nibbles start where row j's would
            int d0 = sOff, d1 = d0 + blocks, d2 = d1 + blocks, d3 = d2 + blocks;
            FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
            for (int b = 0; b < blocks; b++) {
                FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                for (int v = 0; v < 16; v += LANES) {
                    int i = xOff + b * Int4Matrix.BLOCK + v, at = group + 64 * b + v; // the four rows' blocks b, one after another
                    FloatVector lo = FloatVector.fromArray(S, x, i), hi = FloatVector.fromArray(S, x, i + 16);
                    IntVector q0 = ints(ByteVector.fromArray(B, q, at)), q1 = ints(ByteVector.fromArray(B, q, at + 16));
                    IntVector q2 = ints(ByteVector.fromArray(B, q, at + 32)), q3 = ints(ByteVector.fromArray(B, q, at + 48));
                    s0 = high(q0).fma(hi, low(q0).fma(lo, s0));
                    s1 = high(q1).fma(hi, low(q1).fma(lo, s1));
                    s2 = high(q2).fma(hi, low(q2).fma(lo, s2));
                    s3 = high(q3).fma(hi, low(q3).fma(lo, s3));
                }
                acc0 = s0.fma(FloatVector.broadcast(S, s[d0 + b]), acc0);
                acc1 = s1.fma(FloatVector.broadcast(S, s[d1 + b]), acc1);
                acc2 = s2.fma(FloatVector.broadcast(S, s[d2 + b]), acc2);
                acc3 = s3.fma(FloatVector.broadcast(S, s[d3 + b]), acc3);
            }
            acc0.intoArray(lanes, 0);
            acc1.intoArray(lanes, LANES);
            acc2.intoArray(lanes, 2 * LANES);
            acc3.intoArray(lanes, 3 * LANES);
            Lanes.sum4(lanes, 0, out, o);
            out[o] -= mFactor * offsets(m, d0, sums, sumsOff, blocks, lanes);
            out[o + 1] -= mFactor * offsets(m, d1, sums, sumsOff, blocks, lanes);
            out[o + 2] -= mFactor * offsets(m, d2, sums, sumsOff, blocks, lanes);
            out[o + 3] -= mFactor * offsets(m, d3, sums, sumsOff, blocks, lanes);
        }
    }

    /** Σ_i W[i][j]·x[xOff + i], stored row j alone, summed as {@link #groups} sums each of its rows. */
    static float dot(Int4Matrix w, int j, float[] x, int xOff, float[] sums, int sumsOff, float[] s, float[] m, int sOff,
                     float mFactor, float[] lanes) {
        byte[] q = w.nibbles();
        int blocks = w.k() / Int4Matrix.BLOCK;
        FloatVector acc = FloatVector.zero(S);
        for (int b = 0; b < blocks; b++) {
            FloatVector sum = FloatVector.zero(S);
            for (int v = 0; v < 16; v += LANES) {
                int i = xOff + b * Int4Matrix.BLOCK + v;
                IntVector qv = ints(ByteVector.fromArray(B, q, w.at(j, b) + v));
                sum = high(qv).fma(FloatVector.fromArray(S, x, i + 16), low(qv).fma(FloatVector.fromArray(S, x, i), sum));
            }
            acc = sum.fma(FloatVector.broadcast(S, s[sOff + b]), acc);
        }
        acc.intoArray(lanes, 0);
        return Lanes.sum(lanes, 0) - mFactor * offsets(m, sOff, sums, sumsOff, blocks, lanes);
    }

    /**
     * Σ_b m[at + b]·X[sOff + b] over a row's blocks: the offsets' share of its product. (A float,
     * not a vector of partial sums: a vector handed back from a call the compiler does not inline is boxed.)
     */
    private static float offsets(float[] m, int at, float[] sums, int sOff, int blocks, float[] lanes) {
        FloatVector acc = FloatVector.zero(S);
        int b = 0;
        for (int whole = blocks - blocks % LANES; b < whole; b += LANES) {
            acc = FloatVector.fromArray(S, m, at + b).fma(FloatVector.fromArray(S, sums, sOff + b), acc);
        }
        acc.intoArray(lanes, 0);
        float off = Lanes.sum(lanes, 0);
        for (; b < blocks; b++) off += m[at + b] * sums[sOff + b];
        return off;
    }

    /** Stored row j (W's column j) as floats s·q − m into out[off, off + k). */
    static void dequantizeRow(Int4Matrix w, int j, float[] out, int off) {
        int k = w.k(), blocks = k / Int4Matrix.BLOCK;
        if (!VECTOR) {
            for (int i = 0; i < k; i++) out[off + i] = w.value(j, i);
            return;
        }
        for (int b = 0; b < blocks; b++) {
            int d = j * blocks + b;
            float s = w.scale(d), m = w.offset(d);
            for (int v = 0; v < 16; v += LANES) {
                IntVector qv = ints(ByteVector.fromArray(B, w.nibbles(), w.at(j, b) + v));
                low(qv).mul(s).sub(m).intoArray(out, off + b * Int4Matrix.BLOCK + v);
                high(qv).mul(s).sub(m).intoArray(out, off + b * Int4Matrix.BLOCK + 16 + v);
            }
        }
    }

    /** Bytes widened to int lanes, unsigned: 0..255. */
    private static IntVector ints(ByteVector q) {
        return (IntVector) q.convertShape(VectorOperators.ZERO_EXTEND_B2I, I, 0);
    }

    /** The low nibbles as floats: the first half of each block. */
    private static FloatVector low(IntVector q) {
        return (FloatVector) q.and(0x0f).convert(VectorOperators.I2F, 0);
    }

    /** The high nibbles as floats: the second half. */
    private static FloatVector high(IntVector q) {
        return (FloatVector) q.lanewise(VectorOperators.LSHR, 4).convert(VectorOperators.I2F, 0);
    }
}
