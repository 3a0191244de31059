package org.attentionsearch.math;

import static jdk.incubator.vector.VectorOperators.GT;
import static jdk.incubator.vector.VectorOperators.LSHL;
import static jdk.incubator.vector.VectorOperators.LT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;

/**
 * Lane-wise exp and GELU on float vectors, from our own polynomial fits (the coefficients are
 * derived by tools/fit_math_coefficients.py). Shared by {@link Vectors} and {@link MatMul}.
 */
final class VectorMath {
    private VectorMath() {
    }

    /** One Horner step: acc·t + c. */
    private static FloatVector mad(FloatVector acc, FloatVector t, float c) {
        return acc.fma(t, acc.broadcast(c));
    }

    private static final float LOG2E = 1.44269502f;
    /** ln 2 split so that m·LN2_HI is exact for |m| <= 128. */
    private static final float LN2_HI = 0.693145752f;
    private static final float LN2_LO = 1.42860677e-6f;
    /** Below this exp underflows past the smallest normal float; the result is flushed to 0. */
    private static final float EXP_MIN = -87.33654f;
    private static final float EXP_MAX = 88f;
    /** 1.5·2^23: adding it rounds a float of magnitude < 2^22 to an integer in the low mantissa bits. */
    private static final float ROUNDER = 12582912f;
    private static final int ROUNDER_BITS = Float.floatToRawIntBits(ROUNDER);

    /**
     * e^x = 2^m · e^r with m = round(x·log2 e), r = x − m·ln 2 (|r| ≤ ln2/2),
     * e^r ≈ 1 + r + r²·E(r), E of degree 4 (relative error ~1e-8 before rounding).
     * Relative error within 2 ulp for x in [−87.3, 88]; 0 below (including −∞), clamped above.
     */
    static FloatVector exp(FloatVector x) {
        FloatVector xc = x.min(EXP_MAX);
        FloatVector shifted = xc.fma(LOG2E, ROUNDER);
        FloatVector m = shifted.sub(ROUNDER);
        FloatVector r = m.fma(m.broadcast(-LN2_HI), xc);
        r = m.fma(m.broadcast(-LN2_LO), r);
        FloatVector e = r.fma(0.00139012851f, 0.00836314075f);
        e = mad(mad(mad(e, r, 0.0416668542f), r, 0.166665778f), r, 0.5f);
        FloatVector er = r.mul(r).fma(e, r).add(1f);
        IntVector mi = shifted.reinterpretAsInts().sub(ROUNDER_BITS);
        FloatVector scale = mi.add(127).lanewise(LSHL, 23).reinterpretAsFloats();
        FloatVector result = er.mul(scale);
        return result.blend(0f, xc.compare(LT, EXP_MIN));
    }

    /**
     * Exact GELU, gelu(x) = x·Φ(x), Φ the standard normal CDF = ½(1 + erf(x/√2)):
     * |x| ≤ 2: Φ(x) = ½ + x·P(x²), P of degree 7;
     * |x| > 2: Φ(−|x|) = e^{−x²/2}·t·Q(t), t = 1/(1 + |x|/2), Q of degree 6, and
     * Φ(x) = 1 − Φ(−x) for x > 0, which keeps the negative tail accurate in relative terms.
     */
    static FloatVector gelu(FloatVector x) {
        FloatVector x2 = x.mul(x);
        FloatVector p = x2.fma(-1.73786514e-08f, 5.32779666e-07f);
        p = mad(mad(mad(p, x2, -9.02333068e-06f), x2, 0.000114667972f), x2, -0.00118655374f);
        p = mad(mad(mad(p, x2, 0.00997316651f), x2, -0.0664903075f), x2, 0.398942292f);
        FloatVector phi = mad(p, x, 0.5f);
        FloatVector ax = x.abs();
        VectorMask<Float> far = ax.compare(GT, 2f);
        if (far.anyTrue()) {
            FloatVector t = ax.fma(0.5f, 1f);
            t = t.broadcast(1f).div(t);
            FloatVector q = t.fma(0.103315279f, -0.103343487f);
            q = mad(mad(mad(q, t, -0.106081061f), t, 0.0689837411f), t, 0.145794824f);
            q = mad(mad(q, t, 0.199841201f), t, 0.199457005f);
            FloatVector tail = exp(x2.mul(-0.5f)).mul(t).mul(q);
            FloatVector farPhi = tail.neg().add(1f).blend(tail, x.compare(LT, 0f));
            phi = phi.blend(farPhi, far);
        }
        return x.mul(phi);
    }
}
