package org.attentionsearch.math;

import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp and GELU over float array slices, from our own polynomial fits (the coefficients are
 * derived by tools/fit_math_coefficients.py). Shared by {@link Vectors} and {@link MatMul}.
 *
 * <p>Each kernel keeps all of its vector arithmetic inside its own loop: a helper method taking
 * or returning vectors is not reliably inlined by C2 (once compiled on its own it is "too big"),
 * and a call that is not inlined boxes every vector on the heap.
 */
final class VectorMath {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int L = S.length();
    private static final VectorMask<Float> ALL = S.maskAll(true);

    private VectorMath() {
    }

    /** One Horner step: acc·t + c (tiny, so always inlined). */
    private static FloatVector mad(FloatVector acc, FloatVector t, float c) {
        return acc.fma(t, acc.broadcast(c));
    }

    static final float LOG2E = 1.44269502f;
    /** ln 2 split so that m·LN2_HI is exact for |m| <= 128. */
    static final float LN2_HI = 0.693145752f;
    static final float LN2_LO = 1.42860677e-6f;
    /** Below this exp underflows past the smallest normal float; the result is flushed to 0. */
    static final float EXP_MIN = -87.33654f;
    static final float EXP_MAX = 88f;
    /** 1.5·2^23: adding it rounds a float of magnitude < 2^22 to an integer in the low mantissa bits. */
    static final float ROUNDER = 12582912f;
    static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    /**
     * In place x_i = e^{x_i − shift} over x[off, off+len), returning Σ of the results.
     * e^y = 2^m · e^r with m = round(y·log2 e), r = y − m·ln 2 (|r| ≤ ln2/2),
     * e^r ≈ 1 + r + r²·E(r), E of degree 4 (relative error ~1e-8 before rounding).
     * Within 2 ulp for y in [−87.3, 88]; 0 below (including −∞), clamped above.
     */
    static float expShifted(float[] x, int off, int len, float shift) {
        FloatVector sum = FloatVector.zero(S);
        for (int i = 0; i < len; i += L) {
            // Whole vectors load and store unmasked: a masked access costs a range check per lane.
            boolean whole = i + L <= len;
            VectorMask<Float> in = whole ? ALL : S.indexInRange(i, len);
            FloatVector y = (whole ? FloatVector.fromArray(S, x, off + i) : FloatVector.fromArray(S, x, off + i, in))
                    .sub(shift);
            y = y.blend(EXP_MAX, y.compare(GT, EXP_MAX)); // min(y, EXP_MAX) in two instructions; NaN stays NaN
            FloatVector shifted = y.fma(LOG2E, ROUNDER);
            FloatVector m = shifted.sub(ROUNDER);
            FloatVector r = m.fma(m.broadcast(-LN2_HI), y);
            r = m.fma(m.broadcast(-LN2_LO), r);
            FloatVector e = r.fma(0.00139012851f, 0.00836314075f);
            e = mad(mad(mad(e, r, 0.0416668542f), r, 0.166665778f), r, 0.5f);
            e = r.mul(r).fma(e, r).add(1f);
            IntVector mi = shifted.reinterpretAsInts().sub(ROUNDER_BITS);
            e = e.mul(mi.add(127).lanewise(LSHL, 23).reinterpretAsFloats()).blend(0f, y.compare(LT, EXP_MIN));
            if (whole) {
                e.intoArray(x, off + i);
                sum = sum.add(e);
            } else {
                e.intoArray(x, off + i, in);
                sum = sum.add(e.blend(0f, in.not()));
            }
        }
        float[] lanes = new float[L];
        sum.intoArray(lanes, 0);
        return Vectors.sumInOrder(lanes);
    }

    /**
     * In place exact GELU over x[off, off+len): gelu(x) = x·Φ(x), Φ the standard normal CDF
     * = ½(1 + erf(x/√2)). One formula for all x: with u = |x| and t = 1/(1 + 0.3u),
     * Φ(−u) = e^{−u²/2}·t·Q(t), Q of degree 9 (relative error 3e-9 before rounding), and
     * Φ(x) = Φ(−u) for x < 0, 1 − Φ(−u) for x ≥ 0, which keeps the negative tail accurate in
     * relative terms. e^{−u²/2} as in {@link #expShifted} (argument ≤ 0, so only the underflow
     * clamp is needed). Branch-free and small enough for C2 to compile without boxing.
     */
    static void gelu(float[] x, int off, int len) {
        for (int i = 0; i < len; i += L) {
            boolean whole = i + L <= len; // unmasked where possible, as in expShifted
            VectorMask<Float> in = whole ? ALL : S.indexInRange(i, len);
            FloatVector v = whole ? FloatVector.fromArray(S, x, off + i) : FloatVector.fromArray(S, x, off + i, in);
            FloatVector t = v.abs().fma(0.3f, 1f);
            t = t.broadcast(1f).div(t);
            FloatVector q = t.fma(-0.0206128284f, 0.112375781f);
            q = mad(mad(mad(q, t, -0.228067532f), t, 0.191581741f), t, -0.0792473853f);
            q = mad(mad(mad(q, t, 0.096057862f), t, 0.0784255639f), t, 0.110227324f);
            q = mad(mad(q, t, 0.119572841f), t, 0.119686633f);
            FloatVector y = v.mul(v).mul(-0.5f);
            FloatVector shifted = y.fma(LOG2E, ROUNDER);
            FloatVector m = shifted.sub(ROUNDER);
            FloatVector r = m.fma(m.broadcast(-LN2_LO), m.fma(m.broadcast(-LN2_HI), y));
            FloatVector e = r.fma(0.00139012851f, 0.00836314075f);
            e = mad(mad(mad(e, r, 0.0416668542f), r, 0.166665778f), r, 0.5f);
            e = r.mul(r).fma(e, r).add(1f);
            IntVector mi = shifted.reinterpretAsInts().sub(ROUNDER_BITS);
            e = e.mul(mi.add(127).lanewise(LSHL, 23).reinterpretAsFloats()).blend(0f, y.compare(LT, EXP_MIN));
            FloatVector tail = e.mul(t).mul(q);
            FloatVector phi = tail.neg().add(1f).blend(tail, v.compare(LT, 0f));
            if (whole) v.mul(phi).intoArray(x, off + i);
            else v.mul(phi).intoArray(x, off + i, in);
        }
    }

    /** √(8/π): tanh(z) = 2σ(2z) − 1, so gelu_new(x) = x·σ(√(8/π)·(x + 0.044715x³)). */
    private static final float GELU_TANH_SCALE = 1.5957691216057308f;

    /** In place GELU, tanh form (GPT-2's gelu_new): x·σ(x·(a + b·x²)), a = √(8/π), b = 0.044715·a. */
    static void geluTanh(float[] x, int off, int len) {
        timesSigmoid(x, off, len, GELU_TANH_SCALE, 0.044715f * GELU_TANH_SCALE);
    }

    /** In place SiLU: x·σ(x). */
    static void silu(float[] x, int off, int len) {
        timesSigmoid(x, off, len, 1f, 0f);
    }

    /**
     * In place x_i = x_i·σ(t_i) with t_i = x_i·(a + b·x_i²) and σ(t) = 1/(1 + e^{−t}); e^{−t} as
     * in {@link #expShifted}, clamped above (σ → 0, the product → ±0) and flushed to 0 below
     * (σ = 1), so no input gives NaN or ∞ but a NaN input.
     */
    private static void timesSigmoid(float[] x, int off, int len, float a, float b) {
        for (int i = 0; i < len; i += L) {
            boolean whole = i + L <= len;
            VectorMask<Float> in = whole ? ALL : S.indexInRange(i, len);
            FloatVector v = whole ? FloatVector.fromArray(S, x, off + i) : FloatVector.fromArray(S, x, off + i, in);
            FloatVector y = v.mul(v).fma(b, a).mul(v).neg();
            y = y.blend(EXP_MAX, y.compare(GT, EXP_MAX));
            FloatVector shifted = y.fma(LOG2E, ROUNDER);
            FloatVector m = shifted.sub(ROUNDER);
            FloatVector r = m.fma(m.broadcast(-LN2_LO), m.fma(m.broadcast(-LN2_HI), y));
            FloatVector e = r.fma(0.00139012851f, 0.00836314075f);
            e = mad(mad(mad(e, r, 0.0416668542f), r, 0.166665778f), r, 0.5f);
            e = r.mul(r).fma(e, r).add(1f);
            IntVector mi = shifted.reinterpretAsInts().sub(ROUNDER_BITS);
            e = e.mul(mi.add(127).lanewise(LSHL, 23).reinterpretAsFloats()).blend(0f, y.compare(LT, EXP_MIN));
            FloatVector result = v.div(e.add(1f));
            if (whole) result.intoArray(x, off + i);
            else result.intoArray(x, off + i, in);
        }
    }
}
