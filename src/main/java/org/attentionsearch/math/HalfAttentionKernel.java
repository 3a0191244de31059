package org.attentionsearch.math;

import java.util.Arrays;

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
    /** Keys per pass of the scores over kᵀ's rows: a few rows of sums stay in the first-level cache. */
    private static final int CHUNK = 512;

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
     * scores at out[outOff + r·outStride]. Each row of kᵀ is streamed once per chunk of keys and
     * used by every query row, as {@code AttentionKernel}'s few-row path streams its floats.
     */
    public static void scores(float[] q, int qOff, int qStride, int rows, short[] kT, int kTOff, int kTStride, int keys,
                              int d, float scale, float[] out, int outOff, int outStride) {
        for (int j0 = 0; j0 < keys; j0 += CHUNK) {
            int end = Math.min(keys, j0 + CHUNK), whole = end - (end - j0) % L;
            for (int r = 0; r < rows; r++) Arrays.fill(out, outOff + r * outStride + j0, outOff + r * outStride + end, 0f);
            for (int c = 0; c < d; c++) {
                int k0 = kTOff + c * kTStride;
                for (int j = j0; j < whole; j += L) {
                    FloatVector k = widen(kT, k0 + j);
                    for (int r = 0; r < rows; r++) {
                        int o = outOff + r * outStride + j;
                        k.fma(FloatVector.broadcast(S, q[qOff + r * qStride + c]), FloatVector.fromArray(S, out, o)).intoArray(out, o);
                    }
                }
                for (int j = whole; j < end; j++) {
                    float k = Float.float16ToFloat(kT[k0 + j]);
                    for (int r = 0; r < rows; r++) {
                        int o = outOff + r * outStride + j;
                        out[o] = Math.fma(k, q[qOff + r * qStride + c], out[o]);
                    }
                }
            }
            for (int r = 0; r < rows; r++) {
                int o = outOff + r * outStride;
                for (int j = j0; j < whole; j += L) FloatVector.fromArray(S, out, o + j).mul(scale).intoArray(out, o + j);
                for (int j = whole; j < end; j++) out[o + j] *= scale;
            }
        }
    }

    /**
     * z = p·v for {@code rows} weight rows (row r at p[pOff + r·pStride]) over n values of width d,
     * halves, value j at v[vOff + j·vStride]; row r of z at z[zOff + r·zStride].
     */
    public static void weightedSum(float[] p, int pOff, int pStride, int rows, short[] v, int vOff, int vStride,
                                   int n, int d, float[] z, int zOff, int zStride) {
        for (int c = 0; c < d; c += 2 * L) {
            for (int r = 0; r < rows; r += SHORT) {
                strip(p, pOff + r * pStride, pStride, Math.min(SHORT, rows - r), v, vOff + c, vStride, n, Math.min(2 * L, d - c),
                        z, zOff + r * zStride + c, zStride);
            }
        }
    }

    /** One to four rows over a strip of up to 2L columns; missing rows repeat the last, and only real rows are stored. */
    private static void strip(float[] x, int xOff, int xs, int rows, short[] y, int yOff, int yStride, int kLen, int cols,
                              float[] out, int outOff, int os) {
        VectorMask<Float> m0 = S.indexInRange(0, cols), m1 = S.indexInRange(L, cols);
        int last = rows - 1;
        int x0 = xOff, x1 = xOff + Math.min(1, last) * xs, x2 = xOff + Math.min(2, last) * xs, x3 = xOff + last * xs;
        FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        for (int kk = 0; kk < kLen; kk++) {
            int at = yOff + kk * yStride;
            FloatVector lo = widen(y, at, m0), hi = widen(y, at + L, m1);
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
            lo.intoArray(out, o, m0);
            hi.intoArray(out, o + L, m1);
        }
    }
}
