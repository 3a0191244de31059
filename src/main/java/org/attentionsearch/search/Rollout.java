package org.attentionsearch.search;

import java.util.List;

/**
 * Attention rollout (Abnar &amp; Zuidema 2020): how much the meaning of token i at the top
 * draws on input token j, following attention through every layer and the residual path.
 * <pre>
 *   Ã_l = rownorm(Ā_l + I)        Ā_l = the mean of layer l's heads
 *   R_1 = Ã_1,   R_l = Ã_l · R_{l−1}
 * </pre>
 */
public final class Rollout {

    private Rollout() {
    }

    /** @param layers each layer's head-mean attention, n×n row-major, bottom layer first */
    public static double[] compute(List<float[]> layers, int n) {
        double[] r = null;
        for (float[] a : layers) {
            double[] step = withResidual(a, n);
            r = r == null ? step : multiply(step, r, n);
        }
        return r;
    }

    /** rownorm(A + I) */
    static double[] withResidual(float[] a, int n) {
        double[] out = new double[n * n];
        for (int i = 0; i < n; i++) {
            double sum = 0;
            for (int j = 0; j < n; j++) {
                out[i * n + j] = a[i * n + j] + (i == j ? 1 : 0);
                sum += out[i * n + j];
            }
            for (int j = 0; j < n; j++) out[i * n + j] /= sum;
        }
        return out;
    }

    /** a · b for n×n matrices. */
    static double[] multiply(double[] a, double[] b, int n) {
        double[] c = new double[n * n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < n; k++) {
                double x = a[i * n + k];
                if (x == 0) continue;
                for (int j = 0; j < n; j++) c[i * n + j] += x * b[k * n + j];
            }
        }
        return c;
    }
}
