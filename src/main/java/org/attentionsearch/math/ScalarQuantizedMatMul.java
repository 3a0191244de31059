package org.attentionsearch.math;

import java.util.Objects;

/**
 * The plain twin of {@link QuantizedMatMul}: each value of W read one at a time as its format
 * gives it (a half widened, d·q, d·(q − 8), d·sc·q − dmin·m, d·sc·(q − 32)), each output
 * accumulated in double and rounded once.
 */
public final class ScalarQuantizedMatMul {
    private ScalarQuantizedMatMul() {
    }

    /** c[r][j] = epilogue(Σ_kk a[r][kk]·W[kk][j] + bias[j]) for r in [0, rows), j in [0, n). */
    public static void multiply(float[] a, int rows, QuantizedMatrix w, float[] bias, Epilogue epilogue,
                                float[] residual, float[] c) {
        Objects.requireNonNull(epilogue, "epilogue");
        int k = w.k(), n = w.n();
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < rows; r++) {
                double acc = bias == null ? 0 : bias[j];
                for (int kk = 0; kk < k; kk++) acc += (double) a[r * k + kk] * w.value(j, kk);
                c[r * n + j] = switch (epilogue) {
                    case NONE -> (float) acc;
                    case GELU -> Scalar.gelu((float) acc);
                    case GELU_TANH -> Scalar.geluTanh((float) acc);
                    case ADD -> (float) (acc + residual[r * n + j]);
                };
            }
        }
    }
}
