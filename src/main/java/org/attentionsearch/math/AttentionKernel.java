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
 * Each step works on two vectors of columns for four rows: two loads and four broadcasts feed
 * eight FMAs. Full pairs load unmasked; only the last, partial pair takes masks (a masked
 * load's bounds check costs more than the load). No vector leaves a method, so none is boxed.
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
        for (int j = 0; j < n; j += 2 * L) {
            boolean whole = j + 2 * L <= n;
            VectorMask<Float> m0 = whole ? null : S.indexInRange(j, n), m1 = whole ? null : S.indexInRange(j + L, n);
            FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            for (int c = 0; c < d; c++) {
                int k = kTOff + c * n + j;
                FloatVector k0 = whole ? FloatVector.fromArray(S, kT, k) : FloatVector.fromArray(S, kT, k, m0);
                FloatVector k1 = whole ? FloatVector.fromArray(S, kT, k + L) : FloatVector.fromArray(S, kT, k + L, m1);
                FloatVector x = FloatVector.broadcast(S, q[q0 + c]);
                a0 = k0.fma(x, a0); b0 = k1.fma(x, b0);
                x = FloatVector.broadcast(S, q[q1 + c]);
                a1 = k0.fma(x, a1); b1 = k1.fma(x, b1);
                x = FloatVector.broadcast(S, q[q2 + c]);
                a2 = k0.fma(x, a2); b2 = k1.fma(x, b2);
                x = FloatVector.broadcast(S, q[q3 + c]);
                a3 = k0.fma(x, a3); b3 = k1.fma(x, b3);
            }
            for (int r = 0; r < rows; r++) {
                FloatVector lo = r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : a3;
                FloatVector hi = r == 0 ? b0 : r == 1 ? b1 : r == 2 ? b2 : b3;
                int o = outOff + r * outStride + j;
                if (whole) {
                    lo.mul(scale).intoArray(out, o);
                    hi.mul(scale).intoArray(out, o + L);
                } else {
                    lo.mul(scale).intoArray(out, o, m0);
                    hi.mul(scale).intoArray(out, o + L, m1);
                }
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
                p3 = pOff + Math.min(3, last) * pStride;
        for (int c = 0; c < d; c += 2 * L) {
            boolean whole = c + 2 * L <= d;
            VectorMask<Float> m0 = whole ? null : S.indexInRange(c, d), m1 = whole ? null : S.indexInRange(c + L, d);
            FloatVector a0 = FloatVector.zero(S), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
            for (int j = 0; j < n; j++) {
                int at = vOff + j * vStride + c;
                FloatVector v0 = whole ? FloatVector.fromArray(S, v, at) : FloatVector.fromArray(S, v, at, m0);
                FloatVector v1 = whole ? FloatVector.fromArray(S, v, at + L) : FloatVector.fromArray(S, v, at + L, m1);
                FloatVector x = FloatVector.broadcast(S, p[p0 + j]);
                a0 = v0.fma(x, a0); b0 = v1.fma(x, b0);
                x = FloatVector.broadcast(S, p[p1 + j]);
                a1 = v0.fma(x, a1); b1 = v1.fma(x, b1);
                x = FloatVector.broadcast(S, p[p2 + j]);
                a2 = v0.fma(x, a2); b2 = v1.fma(x, b2);
                x = FloatVector.broadcast(S, p[p3 + j]);
                a3 = v0.fma(x, a3); b3 = v1.fma(x, b3);
            }
            for (int r = 0; r < rows; r++) {
                FloatVector lo = r == 0 ? a0 : r == 1 ? a1 : r == 2 ? a2 : a3;
                FloatVector hi = r == 0 ? b0 : r == 1 ? b1 : r == 2 ? b2 : b3;
                int o = zOff + r * zStride + c;
                if (whole) {
                    lo.intoArray(z, o);
                    hi.intoArray(z, o + L);
                } else {
                    lo.intoArray(z, o, m0);
                    hi.intoArray(z, o + L, m1);
                }
            }
        }
    }
}
