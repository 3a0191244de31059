package org.attentionsearch.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * The two products inside one attention head, for a block of up to {@link #ROWS} queries at
 * a time so that every key or value loaded is used by several queries:
 * <pre>
 *   scores:      s[i][j] = scale · Σ_c q[i][c] · kᵀ[c][j]
 *   weightedSum: z[i][c] = Σ_j p[i][j] · v[j][c]
 * </pre>
 * Twin: {@link ScalarAttentionKernel}.
 */
public final class AttentionKernel {

    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    /** Queries per block. */
    public static final int ROWS = 4;

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
                q3 = qOff + Math.min(3, last) * qStride;
        for (int j = 0; j < n; j += L) {
            VectorMask<Float> m = S.indexInRange(j, n);
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int c = 0; c < d; c++) {
                FloatVector k = FloatVector.fromArray(S, kT, kTOff + c * n + j, m);
                a0 = k.fma(FloatVector.broadcast(S, q[q0 + c]), a0);
                a1 = k.fma(FloatVector.broadcast(S, q[q1 + c]), a1);
                a2 = k.fma(FloatVector.broadcast(S, q[q2 + c]), a2);
                a3 = k.fma(FloatVector.broadcast(S, q[q3 + c]), a3);
            }
            a0.mul(scale).intoArray(out, outOff + j, m);
            if (rows > 1) a1.mul(scale).intoArray(out, outOff + outStride + j, m);
            if (rows > 2) a2.mul(scale).intoArray(out, outOff + 2 * outStride + j, m);
            if (rows > 3) a3.mul(scale).intoArray(out, outOff + 3 * outStride + j, m);
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
                p3 = pOff + Math.min(3, last) * pStride;
        for (int c = 0; c < d; c += L) {
            VectorMask<Float> m = S.indexInRange(c, d);
            FloatVector a0 = FloatVector.zero(S), a1 = a0, a2 = a0, a3 = a0;
            for (int j = 0; j < n; j++) {
                FloatVector x = FloatVector.fromArray(S, v, vOff + j * vStride + c, m);
                a0 = x.fma(FloatVector.broadcast(S, p[p0 + j]), a0);
                a1 = x.fma(FloatVector.broadcast(S, p[p1 + j]), a1);
                a2 = x.fma(FloatVector.broadcast(S, p[p2 + j]), a2);
                a3 = x.fma(FloatVector.broadcast(S, p[p3 + j]), a3);
            }
            a0.intoArray(z, zOff + c, m);
            if (rows > 1) a1.intoArray(z, zOff + zStride + c, m);
            if (rows > 2) a2.intoArray(z, zOff + 2 * zStride + c, m);
            if (rows > 3) a3.intoArray(z, zOff + 3 * zStride + c, m);
        }
    }
}
