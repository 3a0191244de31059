package org.attentionsearch.math;

import static jdk.incubator.vector.VectorOperators.MAX;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector (SIMD) kernels over slices of float arrays. Each has a same-named plain twin in
 * {@link Scalar}, which the tests compare it against. Tails shorter than a vector are handled
 * with masked loads and stores, so every element goes through the same arithmetic. No helper
 * takes or returns a vector (see {@link VectorMath} for why).
 */
public final class Vectors {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();

    private Vectors() {
    }

    /** Σ a[aOff+i]·b[bOff+i] for i in [0, len), in float with two vector accumulators. */
    public static float dot(float[] a, int aOff, float[] b, int bOff, int len) {
        FloatVector s0 = FloatVector.zero(S);
        FloatVector s1 = FloatVector.zero(S);
        int i = 0;
        for (; i <= len - 2 * L; i += 2 * L) {
            s0 = FloatVector.fromArray(S, a, aOff + i).fma(FloatVector.fromArray(S, b, bOff + i), s0);
            s1 = FloatVector.fromArray(S, a, aOff + i + L).fma(FloatVector.fromArray(S, b, bOff + i + L), s1);
        }
        for (; i < len; i += L) {
            VectorMask<Float> in = S.indexInRange(i, len);
            s0 = FloatVector.fromArray(S, a, aOff + i, in).fma(FloatVector.fromArray(S, b, bOff + i, in), s0);
        }
        float[] lanes = new float[L];
        s0.add(s1).intoArray(lanes, 0);
        return sumInOrder(lanes);
    }

    /** y[yOff+i] += alpha·x[xOff+i] for i in [0, len). */
    public static void axpy(float alpha, float[] x, int xOff, float[] y, int yOff, int len) {
        FloatVector a = FloatVector.broadcast(S, alpha);
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector.fromArray(S, x, xOff + i).fma(a, FloatVector.fromArray(S, y, yOff + i)).intoArray(y, yOff + i);
        }
        if (i < len) {
            VectorMask<Float> in = S.indexInRange(i, len);
            FloatVector.fromArray(S, x, xOff + i, in).fma(a, FloatVector.fromArray(S, y, yOff + i, in))
                    .intoArray(y, yOff + i, in);
        }
    }

    /** x[off+i] *= s for i in [0, len). */
    public static void scale(float[] x, int off, int len, float s) {
        int i = 0;
        for (; i <= len - L; i += L) FloatVector.fromArray(S, x, off + i).mul(s).intoArray(x, off + i);
        if (i < len) {
            VectorMask<Float> in = S.indexInRange(i, len);
            FloatVector.fromArray(S, x, off + i, in).mul(s).intoArray(x, off + i, in);
        }
    }

    /** max over x[off, off+len); −∞ for an empty slice (NaN if any element is NaN). */
    public static float max(float[] x, int off, int len) {
        // Two accumulators: a float max is several instructions, and one chain would wait on each.
        FloatVector m0 = FloatVector.broadcast(S, Float.NEGATIVE_INFINITY), m1 = m0;
        int i = 0;
        for (; i <= len - 2 * L; i += 2 * L) {
            m0 = m0.max(FloatVector.fromArray(S, x, off + i));
            m1 = m1.max(FloatVector.fromArray(S, x, off + i + L));
        }
        if (i <= len - L) {
            m0 = m0.max(FloatVector.fromArray(S, x, off + i));
            i += L;
        }
        float result = m0.max(m1).reduceLanes(MAX);
        if (i < len) {
            VectorMask<Float> tail = S.indexInRange(i, len);
            result = Math.max(result, FloatVector.fromArray(S, x, off + i, tail).reduceLanes(MAX, tail));
        }
        return result;
    }

    /** Σ x[off+i] for i in [0, len), in float with one vector accumulator. */
    public static float sum(float[] x, int off, int len) {
        FloatVector s = FloatVector.zero(S);
        int i = 0;
        for (; i <= len - L; i += L) s = s.add(FloatVector.fromArray(S, x, off + i));
        if (i < len) s = s.add(FloatVector.fromArray(S, x, off + i, S.indexInRange(i, len)));
        float[] lanes = new float[L];
        s.intoArray(lanes, 0);
        return sumInOrder(lanes);
    }

    /**
     * In place softmax: x_i = e^{x_i − max} / Σ_j e^{x_j − max}. Entries of −∞ (masked) become 0;
     * a row that is entirely −∞ becomes all zeros (it attends to nothing) rather than NaN.
     */
    public static void softmax(float[] x, int off, int len) {
        if (PlainKernels.plainSoftmax(len)) { // a process's first rows: the same bits, nothing to compile at length
            PlainKernels.softmax(x, off, len);
        } else {
            vectorSoftmax(x, off, len);
        }
    }

    /** {@link #softmax} in vectors. */
    static void vectorSoftmax(float[] x, int off, int len) {
        float m = max(x, off, len);
        if (m == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(x, off, off + len, 0f);
            return;
        }
        scale(x, off, len, 1f / VectorMath.expShifted(x, off, len, m));
    }

    /**
     * In place LayerNorm of one row: x_i = (x_i − μ)/√(σ² + eps)·γ_i + β_i with μ = Σx/len and
     * the biased variance σ² = Σ(x − μ)²/len (two passes, so no cancellation).
     */
    public static void layerNorm(float[] x, int off, int len, float[] gamma, float[] beta, float eps) {
        layerNorm(x, off, x, off, len, gamma, beta, eps);
    }

    /** LayerNorm of x[xOff, xOff+len) into y[yOff, …) (y may be x); β may be null (no shift). */
    public static void layerNorm(float[] x, int xOff, float[] y, int yOff, int len, float[] gamma, float[] beta, float eps) {
        if (PlainKernels.plainNorm(len)) { // a process's first rows: the same bits, nothing to compile at length
            PlainKernels.layerNorm(x, xOff, y, yOff, len, gamma, beta, eps);
        } else {
            vectorLayerNorm(x, xOff, y, yOff, len, gamma, beta, eps);
        }
    }

    /** {@link #layerNorm} in vectors. */
    static void vectorLayerNorm(float[] x, int xOff, float[] y, int yOff, int len, float[] gamma, float[] beta, float eps) {
        // Whole vectors go unmasked (a masked access checks every lane); the tail is masked.
        float mean = sum(x, xOff, len) / len;
        FloatVector sq = FloatVector.zero(S);
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector d = FloatVector.fromArray(S, x, xOff + i).sub(mean);
            sq = d.fma(d, sq);
        }
        if (i < len) {
            VectorMask<Float> in = S.indexInRange(i, len);
            FloatVector d = FloatVector.fromArray(S, x, xOff + i, in).sub(mean);
            sq = sq.blend(d.fma(d, sq), in);
        }
        float[] lanes = new float[L];
        sq.intoArray(lanes, 0);
        float inv = (float) (1.0 / Math.sqrt(sumInOrder(lanes) / len + eps));
        for (i = 0; i <= len - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i).sub(mean).mul(inv);
            FloatVector b = beta == null ? FloatVector.zero(S) : FloatVector.fromArray(S, beta, i);
            v.fma(FloatVector.fromArray(S, gamma, i), b).intoArray(y, yOff + i);
        }
        if (i < len) {
            VectorMask<Float> in = S.indexInRange(i, len);
            FloatVector v = FloatVector.fromArray(S, x, xOff + i, in).sub(mean).mul(inv);
            FloatVector b = beta == null ? FloatVector.zero(S) : FloatVector.fromArray(S, beta, i, in);
            v.fma(FloatVector.fromArray(S, gamma, i, in), b).intoArray(y, yOff + i, in);
        }
    }

    /**
     * RMSNorm (Zhang &amp; Sennrich 2019) of x[xOff, xOff+len) into y[yOff, …) (y may be x):
     * y_i = x_i / √(Σx²/len + eps) · γ_i, the squares summed in vector lanes, the lanes in double.
     */
    public static void rmsNorm(float[] x, int xOff, float[] y, int yOff, int len, float[] gamma, float eps) {
        FloatVector sq = FloatVector.zero(S);
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector v = FloatVector.fromArray(S, x, xOff + i);
            sq = v.fma(v, sq);
        }
        float[] lanes = new float[L];
        sq.intoArray(lanes, 0);
        double sumSquares = 0;
        for (float lane : lanes) sumSquares += lane;
        for (; i < len; i++) sumSquares += (double) x[xOff + i] * x[xOff + i];
        float inv = (float) (1.0 / Math.sqrt(sumSquares / len + eps));
        for (i = 0; i <= len - L; i += L) {
            FloatVector.fromArray(S, x, xOff + i).mul(inv).mul(FloatVector.fromArray(S, gamma, i)).intoArray(y, yOff + i);
        }
        for (; i < len; i++) y[yOff + i] = x[xOff + i] * inv * gamma[i];
    }

    /** In place exact GELU: x_i = x_i·½(1 + erf(x_i/√2)), see {@link VectorMath#gelu}. */
    public static void gelu(float[] x, int off, int len) {
        VectorMath.gelu(x, off, len);
    }

    /** In place GELU with the tanh approximation (GPT-2's gelu_new), see {@link VectorMath#geluTanh}. */
    public static void geluTanh(float[] x, int off, int len) {
        VectorMath.geluTanh(x, off, len);
    }

    /** In place SiLU (swish): x_i = x_i·σ(x_i), see {@link VectorMath#silu}. */
    public static void silu(float[] x, int off, int len) {
        VectorMath.silu(x, off, len);
    }

    /**
     * SwiGLU's gate (Shazeer 2020): out_i = silu(g_i)·u_i, where the row holds the gate g in
     * its first {@code len} values and the up projection u in the next {@code len}.
     */
    public static void swiGlu(float[] gateUp, int off, int len, float[] out, int outOff) {
        System.arraycopy(gateUp, off, out, outOff, len);
        VectorMath.silu(out, outOff, len);
        int i = 0;
        for (; i <= len - L; i += L) {
            FloatVector.fromArray(S, out, outOff + i).mul(FloatVector.fromArray(S, gateUp, off + len + i)).intoArray(out, outOff + i);
        }
        for (; i < len; i++) out[outOff + i] *= gateUp[off + len + i];
    }

    /** In place x_i = x_i / max(‖x‖₂, 1e-12), as torch.nn.functional.normalize. */
    public static void l2Normalize(float[] x, int off, int len) {
        float norm = (float) Math.sqrt(dot(x, off, x, off, len));
        scale(x, off, len, 1f / Math.max(norm, 1e-12f));
    }

    /**
     * The lanes of a reduction added in index order. Not {@code reduceLanes(ADD)}: its order is
     * unspecified, and the interpreter and C2 add differently, so the same input could give other
     * bits once a kernel is compiled. Here the same input always gives the same result.
     */
    static float sumInOrder(float[] lanes) {
        float s = 0;
        for (float v : lanes) s += v;
        return s;
    }
}
