package org.attentionsearch.math;

import java.util.Objects;

/**
 * The plain twin of {@link MatMul}, with the same contract but W unpacked, row-major [k][n].
 * Each output is accumulated in double and rounded once, so it serves as the reference.
 */
public final class ScalarMatMul {
    private ScalarMatMul() {
    }

    /** c[r][j] = epilogue(Σ_kk a[r][kk]·w[kk][j] + bias[j]) for r in [0, rows), j in [0, n). */
    public static void multiply(float[] a, int rows, float[] w, int k, int n, float[] bias,
                                Epilogue epilogue, float[] residual, float[] c) {
        Objects.requireNonNull(epilogue, "epilogue");
        if (epilogue == Epilogue.ADD) {
            Objects.requireNonNull(residual, "residual");
        }
        double[] acc = new double[n];
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(acc, 0);
            for (int kk = 0; kk < k; kk++) {
                double x = a[r * k + kk];
                for (int j = 0; j < n; j++) {
                    acc[j] += x * w[kk * n + j];
                }
            }
            for (int j = 0; j < n; j++) {
                double v = acc[j] + (bias == null ? 0 : bias[j]);
                c[r * n + j] = switch (epilogue) {
                    case NONE -> (float) v;
                    case GELU -> Scalar.gelu((float) v);
                    case GELU_TANH -> Scalar.geluTanh((float) v);
                    case ADD -> (float) (v + residual[r * n + j]);
                };
            }
        }
    }
}
