package org.attentionsearch.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two products inside one attention head, for a block of up to {@link #ROWS} queries at
 * a time so that every key or value loaded is used by many queries:
 * <pre>
 *   scores:      s[i][j] = scale · Σ_c q[i][c] · kᵀ[c][j]
 *   weightedSum: z[i][c] = Σ_j p[i][j] · v[j][c]
 * </pre>
 * Both are the same shape, out = scale · x·y over strips of two vectors of columns, so one
 * pair of register-blocked kernels serves both: a block of 12 rows and a whole strip keeps a
 * 12 × 2-vector tile in 24 registers (two loads and twelve broadcasts feed 24 FMAs); other
 * blocks go four rows at a time, with masks on a partial strip; and up to eight rows (a
 * decoding step's group of heads) take strips of four vectors, four rows at a time, a 4 × 4-vector
 * tile in 16 registers. Every output is one FMA chain in index order, then one multiply by
 * scale, so the result does not depend on the blocking.
 * The tall kernel has no masked path: with one, C1's profiling tier gave up on it ("out of
 * virtual registers in LIR generator"), C2 never compiled it, and attention ran about 40
 * times slower. No vector leaves a method, so none is boxed.
 * Twin: {@link ScalarAttentionKernel}.
 */
public final class AttentionKernel {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Queries per block: the tall kernel's rows. */
    public static final int ROWS = 12;
    private static final int SHORT = 4;
    /**
     * Up to this many rows (a decoding step's group of query heads: Qwen2.5's seven) go four at a
     * time through the few-row kernels, each pass over all the keys; the second pass finds them
     * in the second-level cache. Measured on Qwen2.5's shape at 1,024 keys, one step's attention
     * took half the time it took in strips of two vectors for all seven rows.
     */
    private static final int FEW = 2 * SHORT;

    private AttentionKernel() {
    }

    /**
     * Scores of {@code rows} (1 … ROWS) queries against n keys. q: row r at qOff + r·qStride,
     * d values; kT: the keys transposed, [d × n] from kTOff; out: row r at outOff + r·outStride.
     */
    public static void scores(float[] q, int qOff, int qStride, int rows, float[] kT, int kTOff, int n, int d,
                              float scale, float[] out, int outOff, int outStride) {
        scores(q, qOff, qStride, rows, kT, kTOff, n, n, d, scale, out, outOff, outStride);
    }

    /**
     * As above against the first {@code keys} of the keys in kT, whose rows are {@code kTStride}
     * apart (a causal block of queries needs only the keys up to its last query).
     */
    public static void scores(float[] q, int qOff, int qStride, int rows, float[] kT, int kTOff, int kTStride, int keys,
                              int d, float scale, float[] out, int outOff, int outStride) {
        if (PlainKernels.plainAttention((long) rows * keys * d)) { // a process's first: the same bits, nothing to compile
            PlainKernels.product(q, qOff, qStride, rows, kT, kTOff, kTStride, d, keys, scale, out, outOff, outStride);
        } else {
            vectorScores(q, qOff, qStride, rows, kT, kTOff, kTStride, keys, d, scale, out, outOff, outStride);
        }
    }

    /** {@link #scores} on the vector kernels alone. */
    static void vectorScores(float[] q, int qOff, int qStride, int rows, float[] kT, int kTOff, int kTStride, int keys,
                             int d, float scale, float[] out, int outOff, int outStride) {
        if (rows <= FEW) {
            columns(q, qOff, qStride, rows, kT, kTOff, kTStride, d, keys, scale, out, outOff, outStride);
            return;
        }
        for (int j = 0; j < keys; j += 2 * L) {
            product(q, qOff, qStride, rows, kT, kTOff + j, kTStride, d, Math.min(2 * L, keys - j), scale, out, outOff + j, outStride);
        }
    }

    /**
     * A few rows (a decoding step's, or its group's heads) against 4L columns at a time: the
     * sums stay in sixteen registers over the whole inner dimension, so each key or value is
     * loaded once for up to four rows and no partial sum goes through memory (streaming whole
     * rows of kᵀ with the sums in the first-level cache measured two to three times slower).
     * Every output is the same FMA chain in index order, then one multiply by scale: the bits of
     * the other kernels. out[r][0..cols) = scale · Σ_kk x[r][kk]·y[kk][0..cols): four rows at
     * a time, each pass over all of y; strips of 4L columns, then single vectors.
     */
    private static void columns(float[] x, int xOff, int xs, int rows, float[] y, int yOff, int yStride, int kLen, int cols,
                                float scale, float[] out, int outOff, int os) {
        for (int r = 0; r < rows; r += SHORT) {
            fourColumns(x, xOff + r * xs, xs, Math.min(SHORT, rows - r), y, yOff, yStride, kLen, cols, scale, out, outOff + r * os, os);
        }
    }

    /** {@link #columns} for one to four rows. */
    private static void fourColumns(float[] x, int xOff, int xs, int rows, float[] y, int yOff, int yStride, int kLen, int cols,
                                    float scale, float[] out, int outOff, int os) {
        int j = 0;
        for (; j + 4 * L <= cols; j += 4 * L) fewAgainstWide(x, xOff, xs, rows, y, yOff + j, yStride, kLen, scale, out, outOff + j, os);
        for (; j < cols; j += L) fewAgainstOne(x, xOff, xs, rows, y, yOff + j, yStride, kLen, S.indexInRange(j, cols), scale, out, outOff + j, os);
    }

    /** One to four rows of x (missing ones repeat the last, only real rows are stored) against 4L columns of y. */
    private static void fewAgainstWide(float[] x, int xOff, int xs, int rows, float[] y, int yOff, int yStride, int kLen,
                                       float scale, float[] out, int outOff, int os) {
        int last = rows - 1;
        int x0 = xOff, x1 = xOff + Math.min(1, last) * xs, x2 = xOff + Math.min(2, last) * xs, x3 = xOff + last * xs;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
        for (int kk = 0; kk < kLen; kk++) {
            int at = yOff + kk * yStride;
            FloatVector y0 = FloatVector.fromArray(S, y, at), y1 = FloatVector.fromArray(S, y, at + L);
            FloatVector y2 = FloatVector.fromArray(S, y, at + 2 * L), y3 = FloatVector.fromArray(S, y, at + 3 * L);
            FloatVector e = FloatVector.broadcast(S, x[x0 + kk]);
            a0 = y0.fma(e, a0); a1 = y1.fma(e, a1); a2 = y2.fma(e, a2); a3 = y3.fma(e, a3);
            e = FloatVector.broadcast(S, x[x1 + kk]);
            b0 = y0.fma(e, b0); b1 = y1.fma(e, b1); b2 = y2.fma(e, b2); b3 = y3.fma(e, b3);
            e = FloatVector.broadcast(S, x[x2 + kk]);
            c0 = y0.fma(e, c0); c1 = y1.fma(e, c1); c2 = y2.fma(e, c2); c3 = y3.fma(e, c3);
            e = FloatVector.broadcast(S, x[x3 + kk]);
            e0 = y0.fma(e, e0); e1 = y1.fma(e, e1); e2 = y2.fma(e, e2); e3 = y3.fma(e, e3);
        }
        for (int r = 0; r < rows; r++) {
            int o = outOff + r * os;
            (r == 0 ? a0 : r == 1 ? b0 : r == 2 ? c0 : e0).mul(scale).intoArray(out, o);
            (r == 0 ? a1 : r == 1 ? b1 : r == 2 ? c1 : e1).mul(scale).intoArray(out, o + L);
            (r == 0 ? a2 : r == 1 ? b2 : r == 2 ? c2 : e2).mul(scale).intoArray(out, o + 2 * L);
            (r == 0 ? a3 : r == 1 ? b3 : r == 2 ? c3 : e3).mul(scale).intoArray(out, o + 3 * L);
        }
    }

    /** As {@link #fewAgainstWide} against the columns of one vector, those outside m left alone. */
    private static void fewAgainstOne(float[] x, int xOff, int xs, int rows, float[] y, int yOff, int yStride, int kLen,
                                      VectorMask<Float> m, float scale, float[] out, int outOff, int os) {
        int last = rows - 1;
        int x0 = xOff, x1 = xOff + Math.min(1, last) * xs, x2 = xOff + Math.min(2, last) * xs, x3 = xOff + last * xs;
        FloatVector a = FloatVector.zero(S), b = a, c = a, e = a;
        for (int kk = 0; kk < kLen; kk++) {
            FloatVector v = FloatVector.fromArray(S, y, yOff + kk * yStride, m);
            a = v.fma(FloatVector.broadcast(S, x[x0 + kk]), a);
            b = v.fma(FloatVector.broadcast(S, x[x1 + kk]), b);
            c = v.fma(FloatVector.broadcast(S, x[x2 + kk]), c);
            e = v.fma(FloatVector.broadcast(S, x[x3 + kk]), e);
        }
        for (int r = 0; r < rows; r++) (r == 0 ? a : r == 1 ? b : r == 2 ? c : e).mul(scale).intoArray(out, outOff + r * os, m);
    }

    /**
     * z = p·v for {@code rows} (1 … ROWS) weight rows over n values of width d. p: row r at
     * pOff + r·pStride; v: value j at vOff + j·vStride; z: row r at zOff + r·zStride.
     */
    public static void weightedSum(float[] p, int pOff, int pStride, int rows, float[] v, int vOff, int vStride,
                                   int n, int d, float[] z, int zOff, int zStride) {
        if (PlainKernels.plainAttention((long) rows * n * d)) {
            PlainKernels.product(p, pOff, pStride, rows, v, vOff, vStride, n, d, 1f, z, zOff, zStride);
        } else {
            vectorWeightedSum(p, pOff, pStride, rows, v, vOff, vStride, n, d, z, zOff, zStride);
        }
    }

    /** {@link #weightedSum} on the vector kernels alone. */
    static void vectorWeightedSum(float[] p, int pOff, int pStride, int rows, float[] v, int vOff, int vStride,
                                  int n, int d, float[] z, int zOff, int zStride) {
        if (rows <= FEW) { // a step's few rows: 4L columns at a time, so each value is read once for four rows
            columns(p, pOff, pStride, rows, v, vOff, vStride, n, d, 1f, z, zOff, zStride);
            return;
        }
        for (int c = 0; c < d; c += 2 * L) {
            product(p, pOff, pStride, rows, v, vOff + c, vStride, n, Math.min(2 * L, d - c), 1f, z, zOff + c, zStride);
        }
    }

    /** One strip: out[r][0..cols) = scale · Σ_kk x[r][kk]·y[kk][0..cols), rows 1 … ROWS, cols ≤ 2L. */
    private static void product(float[] x, int xOff, int xStride, int rows, float[] y, int yOff, int yStride, int kLen,
                                int cols, float scale, float[] out, int outOff, int outStride) {
        if (rows == ROWS && cols == 2 * L) {
            tall(x, xOff, xStride, y, yOff, yStride, kLen, scale, out, outOff, outStride);
            return;
        }
        for (int r = 0; r < rows; r += SHORT) {
            low(x, xOff + r * xStride, xStride, Math.min(SHORT, rows - r), y, yOff, yStride, kLen, cols, scale,
                    out, outOff + r * outStride, outStride);
        }
    }

    /** Twelve rows, two whole vectors of columns; the tile lives in a0…a11 and b0…b11. */
    private static void tall(float[] x, int xOff, int xs, float[] y, int yOff, int yStride, int kLen,
                             float scale, float[] out, int outOff, int os) {
        int x0 = xOff, x1 = x0 + xs, x2 = x1 + xs, x3 = x2 + xs, x4 = x3 + xs, x5 = x4 + xs;
        int x6 = x5 + xs, x7 = x6 + xs, x8 = x7 + xs, x9 = x8 + xs, x10 = x9 + xs, x11 = x10 + xs;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0,
                a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        FloatVector b0 = a0, b1 = a0, b2 = a0, b3 = a0, b4 = a0, b5 = a0,
                b6 = a0, b7 = a0, b8 = a0, b9 = a0, b10 = a0, b11 = a0;
        for (int kk = 0; kk < kLen; kk++) {
            int at = yOff + kk * yStride;
            FloatVector lo = FloatVector.fromArray(S, y, at), hi = FloatVector.fromArray(S, y, at + L);
            FloatVector e = FloatVector.broadcast(S, x[x0 + kk]);
            a0 = lo.fma(e, a0); b0 = hi.fma(e, b0);
            e = FloatVector.broadcast(S, x[x1 + kk]);
            a1 = lo.fma(e, a1); b1 = hi.fma(e, b1);
            e = FloatVector.broadcast(S, x[x2 + kk]);
            a2 = lo.fma(e, a2); b2 = hi.fma(e, b2);
            e = FloatVector.broadcast(S, x[x3 + kk]);
            a3 = lo.fma(e, a3); b3 = hi.fma(e, b3);
            e = FloatVector.broadcast(S, x[x4 + kk]);
            a4 = lo.fma(e, a4); b4 = hi.fma(e, b4);
            e = FloatVector.broadcast(S, x[x5 + kk]);
            a5 = lo.fma(e, a5); b5 = hi.fma(e, b5);
            e = FloatVector.broadcast(S, x[x6 + kk]);
            a6 = lo.fma(e, a6); b6 = hi.fma(e, b6);
            e = FloatVector.broadcast(S, x[x7 + kk]);
            a7 = lo.fma(e, a7); b7 = hi.fma(e, b7);
            e = FloatVector.broadcast(S, x[x8 + kk]);
            a8 = lo.fma(e, a8); b8 = hi.fma(e, b8);
            e = FloatVector.broadcast(S, x[x9 + kk]);
            a9 = lo.fma(e, a9); b9 = hi.fma(e, b9);
            e = FloatVector.broadcast(S, x[x10 + kk]);
            a10 = lo.fma(e, a10); b10 = hi.fma(e, b10);
            e = FloatVector.broadcast(S, x[x11 + kk]);
            a11 = lo.fma(e, a11); b11 = hi.fma(e, b11);
        }
        int o = outOff;
        a0.mul(scale).intoArray(out, o); b0.mul(scale).intoArray(out, o + L); o += os;
        a1.mul(scale).intoArray(out, o); b1.mul(scale).intoArray(out, o + L); o += os;
        a2.mul(scale).intoArray(out, o); b2.mul(scale).intoArray(out, o + L); o += os;
        a3.mul(scale).intoArray(out, o); b3.mul(scale).intoArray(out, o + L); o += os;
        a4.mul(scale).intoArray(out, o); b4.mul(scale).intoArray(out, o + L); o += os;
        a5.mul(scale).intoArray(out, o); b5.mul(scale).intoArray(out, o + L); o += os;
        a6.mul(scale).intoArray(out, o); b6.mul(scale).intoArray(out, o + L); o += os;
        a7.mul(scale).intoArray(out, o); b7.mul(scale).intoArray(out, o + L); o += os;
        a8.mul(scale).intoArray(out, o); b8.mul(scale).intoArray(out, o + L); o += os;
        a9.mul(scale).intoArray(out, o); b9.mul(scale).intoArray(out, o + L); o += os;
        a10.mul(scale).intoArray(out, o); b10.mul(scale).intoArray(out, o + L); o += os;
        a11.mul(scale).intoArray(out, o); b11.mul(scale).intoArray(out, o + L);
    }

    /** One to four rows; missing rows repeat the last one, and only real rows are stored. */
    private static void low(float[] x, int xOff, int xs, int rows, float[] y, int yOff, int yStride, int kLen,
                            int cols, float scale, float[] out, int outOff, int os) {
        // Masked loads and stores even when every column is there: a branch between the two in
        // these loops made C2 recompile them whenever a short run's first calls had seen only one.
        VectorMask<Float> m0 = S.indexInRange(0, cols), m1 = S.indexInRange(L, cols);
        int last = rows - 1;
        int x0 = xOff, x1 = xOff + Math.min(1, last) * xs, x2 = xOff + Math.min(2, last) * xs, x3 = xOff + last * xs;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        for (int kk = 0; kk < kLen; kk++) {
            int at = yOff + kk * yStride;
            FloatVector lo = FloatVector.fromArray(S, y, at, m0), hi = FloatVector.fromArray(S, y, at + L, m1);
            FloatVector e = FloatVector.broadcast(S, x[x0 + kk]);
            a0 = lo.fma(e, a0); b0 = hi.fma(e, b0);
            e = FloatVector.broadcast(S, x[x1 + kk]);
            a1 = lo.fma(e, a1); b1 = hi.fma(e, b1);
            e = FloatVector.broadcast(S, x[x2 + kk]);
            a2 = lo.fma(e, a2); b2 = hi.fma(e, b2);
            e = FloatVector.broadcast(S, x[x3 + kk]);
            a3 = lo.fma(e, a3); b3 = hi.fma(e, b3);
        }
        for (int r = 0; r < rows; r++) {
            FloatVector lo = r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : a3;
            FloatVector hi = r == 0 ? b0 : r == 1 ? b1 : r == 2 ? b2 : b3;
            int o = outOff + r * os;
            lo.mul(scale).intoArray(out, o, m0);
            hi.mul(scale).intoArray(out, o + L, m1);
        }
    }
}
