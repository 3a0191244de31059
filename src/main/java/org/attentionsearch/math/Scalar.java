package org.attentionsearch.math;

/**
 * Plain-loop twins of the {@link Vectors} kernels, the reference the tests compare against.
 * Reductions (dot, sum, softmax's sum, layerNorm's statistics, l2 norm) accumulate in double;
 * element-wise results are rounded to float once. erf and gelu are computed in double and are
 * accurate to the last float bit or so.
 */
public final class Scalar {
    private Scalar() {
    }

    /** Σ a[aOff+i]·b[bOff+i], accumulated in double. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        double s = 0;
        for (int i = 0; i < len; i++) {
            s += (double) a[aOff + i] * b[bOff + i];
        }
        return (float) s;
    }

    /** y += alpha·x, one fused multiply-add per element (as the vector kernel). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        for (int i = 0; i < len; i++) {
            y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
        }
    }

    /** x *= s. */
    public static void scale(float[] x, int off, int len, float s) {
        for (int i = 0; i < len; i++) {
            x[off + i] *= s;
        }
    }

    /** max over the slice; −∞ when empty. */
    public static float max(float[] x, int off, int len) {
        float m = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            m = Math.max(m, x[off + i]);
        }
        return m;
    }

    /** Σ x, accumulated in double. */
    public static float sum(float[] x, int off, int len) {
        double s = 0;
        for (int i = 0; i < len; i++) {
            s += x[off + i];
        }
        return (float) s;
    }

    /** x_i = e^{x_i − max}/Σ e^{x_j − max} in double; an all −∞ row becomes zeros. */
    public static void softmax(float[] x, int off, int len) {
        float m = max(x, off, len);
        if (m == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(x, off, off + len, 0f);
            return;
        }
        double total = 0;
        for (int i = 0; i < len; i++) {
            total += Math.exp((double) x[off + i] - m);
        }
        for (int i = 0; i < len; i++) {
            x[off + i] = (float) (Math.exp((double) x[off + i] - m) / total);
        }
    }

    /** x_i = (x_i − μ)/√(σ² + eps)·γ_i + β_i, μ and biased σ² in double. */
    public static void layerNorm(float[] x, int off, int len, float[] gamma, float[] beta, float eps) {
        double mean = 0;
        for (int i = 0; i < len; i++) {
            mean += x[off + i];
        }
        mean /= len;
        double var = 0;
        for (int i = 0; i < len; i++) {
            double d = x[off + i] - mean;
            var += d * d;
        }
        double inv = 1 / Math.sqrt(var / len + eps);
        for (int i = 0; i < len; i++) {
            x[off + i] = (float) ((x[off + i] - mean) * inv * gamma[i] + beta[i]);
        }
    }

    /** y_i = (x_i − μ)/√(σ² + eps)·γ_i + β_i into y, μ and σ² in double; β may be null. */
    public static void layerNorm(float[] x, int xOff, float[] y, int yOff, int len, float[] gamma, float[] beta, float eps) {
        float[] row = java.util.Arrays.copyOfRange(x, xOff, xOff + len);
        layerNorm(row, 0, len, gamma, beta == null ? new float[len] : beta, eps);
        System.arraycopy(row, 0, y, yOff, len);
    }

    /** y_i = x_i / √(Σx²/len + eps)·γ_i, the mean square in double. */
    public static void rmsNorm(float[] x, int xOff, float[] y, int yOff, int len, float[] gamma, float eps) {
        double s = 0;
        for (int i = 0; i < len; i++) s += (double) x[xOff + i] * x[xOff + i];
        double inv = 1 / Math.sqrt(s / len + eps);
        for (int i = 0; i < len; i++) y[yOff + i] = (float) (x[xOff + i] * inv * gamma[i]);
    }

    /** gelu_new(x) = ½x(1 + tanh(√(2/π)(x + 0.044715x³))), in double. */
    public static float geluTanh(float x) {
        double u = Math.sqrt(2 / Math.PI) * (x + 0.044715 * (double) x * x * x);
        return (float) (0.5 * x * (1 + Math.tanh(u)));
    }

    /** silu(x) = x·σ(x) = x / (1 + e^{−x}), in double. */
    public static float silu(float x) {
        return (float) (x / (1 + Math.exp(-(double) x)));
    }

    public static void geluTanh(float[] x, int off, int len) {
        for (int i = 0; i < len; i++) x[off + i] = geluTanh(x[off + i]);
    }

    public static void silu(float[] x, int off, int len) {
        for (int i = 0; i < len; i++) x[off + i] = silu(x[off + i]);
    }

    /** out_i = silu(g_i)·u_i with g = gateUp[off, off+len), u = the next len values. */
    public static void swiGlu(float[] gateUp, int off, int len, float[] out, int outOff) {
        for (int i = 0; i < len; i++) out[outOff + i] = (float) ((double) silu(gateUp[off + i]) * gateUp[off + len + i]);
    }

    /** x_i = gelu(x_i). */
    public static void gelu(float[] x, int off, int len) {
        for (int i = 0; i < len; i++) {
            x[off + i] = gelu(x[off + i]);
        }
    }

    /** x_i = x_i / max(‖x‖₂, 1e-12), norm in double. */
    public static void l2Normalize(float[] x, int off, int len) {
        double s = 0;
        for (int i = 0; i < len; i++) {
            s += (double) x[off + i] * x[off + i];
        }
        double inv = 1 / Math.max(Math.sqrt(s), 1e-12);
        for (int i = 0; i < len; i++) {
            x[off + i] = (float) (x[off + i] * inv);
        }
    }

    /** erf(x), computed in double and rounded once. */
    public static float erf(float x) {
        return (float) erf((double) x);
    }

    /** Exact GELU x·½(1 + erf(x/√2)); for x < 0 written as x·½·erfc(−x/√2) to keep the tail. */
    public static float gelu(float x) {
        double z = x / Math.sqrt(2);
        double phi = x >= 0 ? 0.5 * (1 + erf(z)) : 0.5 * erfc(-z);
        return (float) (x * phi);
    }

    /**
     * erf in double: |z| < 3 by the series erf z = 2z/√π·e^{−z²}·Σ_n (2z²)^n/(1·3·…·(2n+1)),
     * whose terms are all positive (no cancellation); beyond, 1 − erfc.
     */
    static double erf(double z) {
        if (Double.isNaN(z)) {
            return z;
        }
        double az = Math.abs(z);
        if (az >= 3) {
            return Math.copySign(1 - erfc(az), z);
        }
        double term = 1;
        double sum = 1;
        double z2 = 2 * z * z;
        for (int n = 1; term > 1e-17 * sum; n++) {
            term *= z2 / (2 * n + 1);
            sum += term;
        }
        return 2 * z / Math.sqrt(Math.PI) * Math.exp(-z * z) * sum;
    }

    /**
     * erfc in double: below 3 as 1 − erf; from 3 on by the continued fraction
     * erfc z = e^{−z²}/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + 2/(z + …))))), evaluated bottom-up.
     */
    static double erfc(double z) {
        if (z < 3) {
            return 1 - erf(z);
        }
        double f = z;
        for (int n = 80; n >= 1; n--) {
            f = z + (n / 2.0) / f;
        }
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
    }
}
