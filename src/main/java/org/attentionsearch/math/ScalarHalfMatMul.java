package org.attentionsearch.math;

/**
 * The plain twin of {@link HalfMatMul}: W spelled out value by value (each half widened by
 * {@link Float#float16ToFloat}) and multiplied by {@link ScalarMatMul}, each output accumulated
 * in double.
 */
public final class ScalarHalfMatMul {
    private ScalarHalfMatMul() {
    }

    /** c[r][j] = epilogue(Σ_kk a[r][kk]·W[kk][j] + bias[j]) for r in [0, rows), j in [0, n). */
    public static void multiply(float[] a, int rows, HalfMatrix w, float[] bias, Epilogue epilogue,
                                float[] residual, float[] c) {
        int k = w.k(), n = w.n();
        float[] plain = new float[Math.multiplyExact(k, n)];
        for (int j = 0; j < n; j++) {
            for (int kk = 0; kk < k; kk++) plain[kk * n + j] = w.value(j, kk);
        }
        ScalarMatMul.multiply(a, rows, plain, k, n, bias, epilogue, residual, c);
    }
}
