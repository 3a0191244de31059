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
     * scores at out[outOff + r·outStride]. Four queries and 4L keys at a time, their sums held in
     * sixteen registers over all d rows of kᵀ: every half is widened once for four queries, and
     * no partial sum goes through memory (streaming whole rows of kᵀ instead, with the sums in
     * memory, measured two to five times slower).
     */
    public static void scores(float[] q, int qOff, int qStride, int rows, short[] kT, int kTOff, int kTStride, int keys,
                              int d, float scale, float[] out, int outOff, int outStride) {
        for (int r = 0; r < rows; r += SHORT) {
            int n = Math.min(SHORT, rows - r), qr = qOff + r * qStride, or = outOff + r * outStride, j = 0;
            for (; j + 4 * L <= keys; j += 4 * L) scoreStrip(q, qr, qStride, n, kT, kTOff + j, kTStride, d, scale, out, or + j, outStride);
            for (; j < keys; j += L) {
                scoreVector(q, qr, qStride, n, kT, kTOff + j, kTStride, d, S.indexInRange(j, keys), scale, out, or + j, outStride);
            }
        }
    }

    /** One to four query rows (missing ones repeat the last, only real rows are stored) against 4L keys. */
    private static void scoreStrip(float[] q, int qOff, int qs, int rows, short[] kT, int kOff, int kTStride, int d,
                                   float scale, float[] out, int outOff, int os) {
        int last = rows - 1;
        int q0 = qOff, q1 = qOff + Math.min(1, last) * qs, q2 = qOff + Math.min(2, last) * qs, q3 = qOff + last * qs;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
        for (int c = 0; c < d; c++) {
            int at = kOff + c * kTStride;
            FloatVector k0 = widen(kT, at), k1 = widen(kT, at + L), k2 = widen(kT, at + 2 * L), k3 = widen(kT, at + 3 * L);
            FloatVector x = FloatVector.broadcast(S, q[q0 + c]);
            a0 = k0.fma(x, a0); a1 = k1.fma(x, a1); a2 = k2.fma(x, a2); a3 = k3.fma(x, a3);
            x = FloatVector.broadcast(S, q[q1 + c]);
            b0 = k0.fma(x, b0); b1 = k1.fma(x, b1); b2 = k2.fma(x, b2); b3 = k3.fma(x, b3);
            x = FloatVector.broadcast(S, q[q2 + c]);
            c0 = k0.fma(x, c0); c1 = k1.fma(x, c1); c2 = k2.fma(x, c2); c3 = k3.fma(x, c3);
            x = FloatVector.broadcast(S, q[q3 + c]);
            e0 = k0.fma(x, e0); e1 = k1.fma(x, e1); e2 = k2.fma(x, e2); e3 = k3.fma(x, e3);
        }
        for (int r = 0; r < rows; r++) {
            int o = outOff + r * os;
            (r == 0 ? a0 : r == 1 ? b0 : r == 2 ? c0 : e0).mul(scale).intoArray(out, o);
            (r == 0 ? a1 : r == 1 ? b1 : r == 2 ? c1 : e1).mul(scale).intoArray(out, o + L);
            (r == 0 ? a2 : r == 1 ? b2 : r == 2 ? c2 : e2).mul(scale).intoArray(out, o + 2 * L);
            (r == 0 ? a3 : r == 1 ? b3 : r == 2 ? c3 : e3).mul(scale).intoArray(out, o + 3 * L);
        }
    }

    /** As {@link #scoreStrip} against the keys of one vector, those outside m left alone. */
    private static void scoreVector(float[] q, int qOff, int qs, int rows, short[] kT, int kOff, int kTStride, int d,
                                    VectorMask<Float> m, float scale, float[] out, int outOff, int os) {
        int last = rows - 1;
        int q0 = qOff, q1 = qOff + Math.min(1, last) * qs, q2 = qOff + Math.min(2, last) * qs, q3 = qOff + last * qs;
        FloatVector a = FloatVector.zero(S), b = a, c = a, e = a;
        for (int x = 0; x < d; x++) {
            FloatVector k = widen(kT, kOff + x * kTStride, m);
            a = k.fma(FloatVector.broadcast(S, q[q0 + x]), a);
            b = k.fma(FloatVector.broadcast(S, q[q1 + x]), b);
            c = k.fma(FloatVector.broadcast(S, q[q2 + x]), c);
            e = k.fma(FloatVector.broadcast(S, q[q3 + x]), e);
        }
        for (int r = 0; r < rows; r++) (r == 0 ? a : r == 1 ? b : r == 2 ? c : e).mul(scale).intoArray(out, outOff + r * os, m);
    }

    /**
     * z = p·v for {@code rows} weight rows (row r at p[pOff + r·pStride]) over n values of width d,
     * halves, value j at v[vOff + j·vStride]; row r of z at z[zOff + r·zStride]. Four rows and up
     * to 4L columns at a time (a whole head of 64 on 512-bit vectors), so that each value is read once.
     */
    public static void weightedSum(float[] p, int pOff, int pStride, int rows, short[] v, int vOff, int vStride,
                                   int n, int d, float[] z, int zOff, int zStride) {
        for (int c = 0; c < d; c += 4 * L) {
            for (int r = 0; r < rows; r += SHORT) {
                strip(p, pOff + r * pStride, pStride, Math.min(SHORT, rows - r), v, vOff + c, vStride, n, Math.min(4 * L, d - c),
                        z, zOff + r * zStride + c, zStride);
            }
        }
    }

    /** One to four rows over a strip of up to 4L columns; missing rows repeat the last, and only real rows are stored. */
    private static void strip(float[] x, int xOff, int xs, int rows, short[] y, int yOff, int yStride, int kLen, int cols,
                              float[] out, int outOff, int os) {
        VectorMask<Float> m0 = S.indexInRange(0, cols), m1 = S.indexInRange(L, cols);
        VectorMask<Float> m2 = S.indexInRange(2 * L, cols), m3 = S.indexInRange(3 * L, cols);
        int last = rows - 1;
        int x0 = xOff, x1 = xOff + Math.min(1, last) * xs, x2 = xOff + Math.min(2, last) * xs, x3 = xOff + last * xs;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
        FloatVector c0 = a0, c1 = a0, c2 = a0, c3 = a0, e0 = a0, e1 = a0, e2 = a0, e3 = a0;
        for (int kk = 0; kk < kLen; kk++) {
            int at = yOff + kk * yStride;
            FloatVector v0 = widen(y, at, m0), v1 = widen(y, at + L, m1), v2 = widen(y, at + 2 * L, m2), v3 = widen(y, at + 3 * L, m3);
            FloatVector e = FloatVector.broadcast(S, x[x0 + kk]);
            a0 = v0.fma(e, a0); a1 = v1.fma(e, a1); a2 = v2.fma(e, a2); a3 = v3.fma(e, a3);
            e = FloatVector.broadcast(S, x[x1 + kk]);
            b0 = v0.fma(e, b0); b1 = v1.fma(e, b1); b2 = v2.fma(e, b2); b3 = v3.fma(e, b3);
            e = FloatVector.broadcast(S, x[x2 + kk]);
            c0 = v0.fma(e, c0); c1 = v1.fma(e, c1); c2 = v2.fma(e, c2); c3 = v3.fma(e, c3);
            e = FloatVector.broadcast(S, x[x3 + kk]);
            e0 = v0.fma(e, e0); e1 = v1.fma(e, e1); e2 = v2.fma(e, e2); e3 = v3.fma(e, e3);
        }
        for (int r = 0; r < rows; r++) {
            int o = outOff + r * os;
            (r == 0 ? a0 : r == 1 ? b0 : r == 2 ? c0 : e0).intoArray(out, o, m0);
            (r == 0 ? a1 : r == 1 ? b1 : r == 2 ? c1 : e1).intoArray(out, o + L, m1);
            (r == 0 ? a2 : r == 1 ? b2 : r == 2 ? c2 : e2).intoArray(out, o + 2 * L, m2);
            (r == 0 ? a3 : r == 1 ? b3 : r == 2 ? c3 : e3).intoArray(out, o + 3 * L, m3);
        }
    }
}
