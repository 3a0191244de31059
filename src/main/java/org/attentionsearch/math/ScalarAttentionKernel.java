package org.attentionsearch.math;

/** The plain twin of {@link AttentionKernel}: same contract, plain loops. */
public final class ScalarAttentionKernel {

    private ScalarAttentionKernel() {
    }

    /** s[i][j] = scale · Σ_c q[i][c] · kᵀ[c][j] */
    public static void scores(float[] q, int qOff, int qStride, int rows, float[] kT, int kTOff, int n, int d,
                              float scale, float[] out, int outOff, int outStride) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int c = 0; c < d; c++) s += q[qOff + r * qStride + c] * kT[kTOff + c * n + j];
                out[outOff + r * outStride + j] = s * scale;
            }
        }
    }

    /** z[i][c] = Σ_j p[i][j] · v[j][c] */
    public static void weightedSum(float[] p, int pOff, int pStride, int rows, float[] v, int vOff, int vStride,
                                   int n, int d, float[] z, int zOff, int zStride) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < d; c++) {
                float s = 0;
                for (int j = 0; j < n; j++) s += p[pOff + r * pStride + j] * v[vOff + j * vStride + c];
                z[zOff + r * zStride + c] = s;
            }
        }
    }
}
