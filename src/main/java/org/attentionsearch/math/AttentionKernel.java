package org.attentionsearch.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two products inside one attention head, for a block of up to {@link #ROWS} queries at
 * a time so that every key or value loaded is used by several queries:
 * <pre>
 *   scores:      s[i][j] = scale · Σ_c q[i][c] · kᵀ[c][j]
 *   weightedSum: z[i][c] = Σ_j p[i][j] · v[j][c]
 * </pre>
 * Full vectors go through 8 accumulators, unmasked; the columns past the last full vector
 * (fewer than one vector's width) are done by the scalar twin, {@link ScalarAttentionKernel}.
 * No vector ever leaves a method, so none is boxed.
 */
public final class AttentionKernel {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Queries per block. */
    public static final int ROWS = 8;

    private AttentionKernel() {
    }

    /**
     * Scores of {@code rows} (1 … ROWS) queries against n keys. q: row r at qOff + r·qStride,
     * d values; kT: the keys transposed, [d × n] from kTOff; out: row r at outOff + r·outStride.
     */
    public static void scores(float[] q, int qOff, int qStride, int rows, float[] kT, int kTOff, int n, int d,
                              float scale, float[] out, int outOff, int outStride) {
        int last = rows - 1;   // missing rows repeat the last one; only real rows are stored
        int q0 = qOff, q1 = qOff + Math.min(1, last) * qStride, q2 = qOff + Math.min(2, last) * qStride,
                q3 = qOff + Math.min(3, last) * qStride, q4 = qOff + Math.min(4, last) * qStride,
                q5 = qOff + Math.min(5, last) * qStride, q6 = qOff + Math.min(6, last) * qStride,
                q7 = qOff + Math.min(7, last) * qStride;
        int full = n - n % L;
        for (int j = 0; j < full; j += L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int c = 0; c < d; c++) {
                FloatVector k = FloatVector.fromArray(S, kT, kTOff + c * n + j);
                a0 = k.fma(FloatVector.broadcast(S, q[q0 + c]), a0);
                a1 = k.fma(FloatVector.broadcast(S, q[q1 + c]), a1);
                a2 = k.fma(FloatVector.broadcast(S, q[q2 + c]), a2);
                a3 = k.fma(FloatVector.broadcast(S, q[q3 + c]), a3);
                a4 = k.fma(FloatVector.broadcast(S, q[q4 + c]), a4);
                a5 = k.fma(FloatVector.broadcast(S, q[q5 + c]), a5);
                a6 = k.fma(FloatVector.broadcast(S, q[q6 + c]), a6);
                a7 = k.fma(FloatVector.broadcast(S, q[q7 + c]), a7);
            }
            int o = outOff + j;
            a0.mul(scale).intoArray(out, o);
            if (rows > 1) a1.mul(scale).intoArray(out, o + outStride);
            if (rows > 2) a2.mul(scale).intoArray(out, o + 2 * outStride);
            if (rows > 3) a3.mul(scale).intoArray(out, o + 3 * outStride);
            if (rows > 4) a4.mul(scale).intoArray(out, o + 4 * outStride);
            if (rows > 5) a5.mul(scale).intoArray(out, o + 5 * outStride);
            if (rows > 6) a6.mul(scale).intoArray(out, o + 6 * outStride);
            if (rows > 7) a7.mul(scale).intoArray(out, o + 7 * outStride);
        }
        for (int j = full; j < n; j++) {
            for (int r = 0; r < rows; r++) {
                float s = 0;
                for (int c = 0; c < d; c++) s += q[qOff + r * qStride + c] * kT[kTOff + c * n + j];
                out[outOff + r * outStride + j] = s * scale;
            }
        }
    }

    /**
     * z = p·v for {@code rows} (1 … ROWS) weight rows over n values of width d. p: row r at
     * pOff + r·pStride; v: value j at vOff + j·vStride; z: row r at zOff + r·zStride.
     */
    public static void weightedSum(float[] p, int pOff, int pStride, int rows, float[] v, int vOff, int vStride,
                                   int n, int d, float[] z, int zOff, int zStride) {
        int last = rows - 1;
        int p0 = pOff, p1 = pOff + Math.min(1, last) * pStride, p2 = pOff + Math.min(2, last) * pStride,
                p3 = pOff + Math.min(3, last) * pStride, p4 = pOff + Math.min(4, last) * pStride,
                p5 = pOff + Math.min(5, last) * pStride, p6 = pOff + Math.min(6, last) * pStride,
                p7 = pOff + Math.min(7, last) * pStride;
        int full = d - d % L;
        for (int c = 0; c < full; c += L) {
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
            for (int j = 0; j < n; j++) {
                FloatVector x = FloatVector.fromArray(S, v, vOff + j * vStride + c);
                a0 = x.fma(FloatVector.broadcast(S, p[p0 + j]), a0);
                a1 = x.fma(FloatVector.broadcast(S, p[p1 + j]), a1);
                a2 = x.fma(FloatVector.broadcast(S, p[p2 + j]), a2);
                a3 = x.fma(FloatVector.broadcast(S, p[p3 + j]), a3);
                a4 = x.fma(FloatVector.broadcast(S, p[p4 + j]), a4);
                a5 = x.fma(FloatVector.broadcast(S, p[p5 + j]), a5);
                a6 = x.fma(FloatVector.broadcast(S, p[p6 + j]), a6);
                a7 = x.fma(FloatVector.broadcast(S, p[p7 + j]), a7);
            }
            int o = zOff + c;
            a0.intoArray(z, o);
            if (rows > 1) a1.intoArray(z, o + zStride);
            if (rows > 2) a2.intoArray(z, o + 2 * zStride);
            if (rows > 3) a3.intoArray(z, o + 3 * zStride);
            if (rows > 4) a4.intoArray(z, o + 4 * zStride);
            if (rows > 5) a5.intoArray(z, o + 5 * zStride);
            if (rows > 6) a6.intoArray(z, o + 6 * zStride);
            if (rows > 7) a7.intoArray(z, o + 7 * zStride);
        }
        for (int c = full; c < d; c++) {
            for (int r = 0; r < rows; r++) {
                float s = 0;
                for (int j = 0; j < n; j++) s += p[pOff + r * pStride + j] * v[vOff + j * vStride + c];
                z[zOff + r * zStride + c] = s;
            }
        }
    }
}
