package org.attentionsearch.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link AttentionKernel}'s two products for a decoding step over keys and values cached as IEEE
 * halves (a half-precision key/value cache), for a few query rows at a time:
 * <pre>
 *   scores:      s[i][j] = scale · Σ_c q[i][c] · kᵀ[c][j]
 *   weightedSum: z[i][c] = Σ_j p[i][j] · v[j][c]
 * </pre>
 * Each half, finite as a cache holds them, is widened to the float it stands for, exactly: its bits shifted, (h &lt;&lt; 13) &amp;
 * 0x8fffffff, read as a float are h·2^-112 (sign to bit 31, exponent and mantissa to bits 13..27,
 * subnormal halves included), and a multiply by 2^112 is exact. Every output is then the FMA
 * chain AttentionKernel forms, in the same order, so the results are its results on the widened
 * arrays, to the bit — from half the bytes, which is what a step at a long context waits for.
 * Twin: {@link AttentionKernel} (and so {@link ScalarAttentionKernel}) on the widened arrays.
 */
public final class HalfAttentionKernel {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorSpecies<Short> H = VectorSpecies.of(short.class, VectorShape.forBitSize(L * Short.SIZE));
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, S.vectorShape());
    /** Rows kept in registers by the weighted sum. */
    private static final int SHORT = 4;

    private HalfAttentionKernel() {
    }

    /** Finite halves h[at, at + n) as floats into out[off, off + n), exactly. */
    public static void widen(short[] h, int at, float[] out, int off, int n) {
        int i = 0;
        for (int whole = n - n % L; i < whole; i += L) widen(h, at + i).intoArray(out, off + i);
        for (; i < n; i++) out[off + i] = Float.float16ToFloat(h[at + i]);
    }

    /** L halves from h[at], widened. */
    private static FloatVector widen(short[] h, int at) {
        return ((IntVector) ShortVector.fromArray(H, h, at).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8fffffff).reinterpretAsFloats().mul(0x1p112f);
    }

    /** As {@link #widen(short[], int)}, the lanes outside m zero. */
    private static FloatVector widen(short[] h, int at, VectorMask<Float> m) {
        return ((IntVector) ShortVector.fromArray(H, h, at, m.cast(H)).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8fffffff).reinterpretAsFloats().mul(0x1p112f);
    }

    /**
     * Scores of {@code rows} queries (row r at q[qOff + r·qStride], d values) against the first
     * {@code keys} keys of kT, halves transposed with rows {@code kTStride} apart; row r of the
     * scores at out[outOff + r·outStride]. As AttentionKernel's few-row path: four queries
     * against 4L keys at a time, the sums in sixteen registers over all d rows of kᵀ, so every
     * half is widened once for four queries and no partial sum goes through memory.
     */
    public static void scores(float[] q, int qOff, int qStride, int rows, short[] kT, int kTOff, int kTStride, int keys,
                              int d, float scale, float[] out, int outOff, int outStride) {
        for (int r = 0; r < rows; r += SHORT) {
            columns(q, qOff + r * qStride, qStride, Math.min(SHORT, rows - r), kT, kTOff, kTStride, d, keys, scale,
                    out, outOff + r * outStride, outStride);
        }
    }

    /**
     * z = p·v for {@code rows} weight rows (row r at p[pOff + r·pStride]) over n values of width d,
     * halves, value j at v[vOff + j·vStride]; row r of z at z[zOff + r·zStride]. Four rows and 4L
     * columns at a time (a whole head of 64 on 512-bit vectors), so each value is read once.
     */
    public static void weightedSum(float[] p, int pOff, int pStride, int rows, short[] v, int vOff, int vStride,
                                   int n, int d, float[] z, int zOff, int zStride) {
        for (int r = 0; r < rows; r += SHORT) {
            columns(p, pOff + r * pStride, pStride, Math.min(SHORT, rows - r), v, vOff, vStride, n, d, 1f,
                    z, zOff + r * zStride, zStride);
        }
    }

    /** out[r][0..cols) = scale · Σ_kk x[r][kk]·y[kk][0..cols) for one to four rows: strips of 4L columns, then single vectors. */
    private static void columns(float[] x, int xOff, int xs, int rows, short[] y, int yOff, int yStride, int kLen, int cols,
                                float scale, float[] out, int outOff, int os) {
        int j = 0;
        for (; j + 4 * L <= cols; j += 4 * L) fewAgainstWide(x, xOff, xs, rows, y, yOff + j, yStride, kLen, scale, out, outOff + j, os);
        for (; j < cols; j += L) fewAgainstOne(x, xOff, xs, rows, y, yOff + j, yStride, kLen, S.indexInRange(j, cols), scale, out, outOff + j, os);
    }

    /** One to four rows of x (missing ones repeat the last, only real rows are stored) against 4L columns of y. */
    private static void fewAgainstWide(float[] x, int xOff, int xs, int rows, short[] y, int yOff, int yStride, int kLen,
                                       float scale, float[] out, int outOff, int os) {
        int last = rows - 1;
        int x0 = xOff, x1 = xOff + Math.min(1, last) * xs, x2 = xOff + Math.min(2, last) * xs, x3 = xOff + last * xs;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
        for (int kk = 0; kk < kLen; kk++) {
            int at = yOff + kk * yStride;
            FloatVector y0 = widen(y, at), y1 = widen(y, at + L), y2 = widen(y, at + 2 * L), y3 = widen(y, at + 3 * L);
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
    private static void fewAgainstOne(float[] x, int xOff, int xs, int rows, short[] y, int yOff, int yStride, int kLen,
                                      VectorMask<Float> m, float scale, float[] out, int outOff, int os) {
        int last = rows - 1;
        int x0 = xOff, x1 = xOff + Math.min(1, last) * xs, x2 = xOff + Math.min(2, last) * xs, x3 = xOff + last * xs;
        FloatVector a = FloatVector.zero(S), b = a, c = a, e = a;
        for (int kk = 0; kk < kLen; kk++) {
            FloatVector v = widen(y, yOff + kk * yStride, m);
            a = v.fma(FloatVector.broadcast(S, x[x0 + kk]), a);
            b = v.fma(FloatVector.broadcast(S, x[x1 + kk]), b);
            c = v.fma(FloatVector.broadcast(S, x[x2 + kk]), c);
            e = v.fma(FloatVector.broadcast(S, x[x3 + kk]), e);
        }
        for (int r = 0; r < rows; r++) (r == 0 ? a : r == 1 ? b : r == 2 ? c : e).mul(scale).intoArray(out, outOff + r * os, m);
    }
}
