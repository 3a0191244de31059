package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * erf, GELU and exp against an independent double-precision reference built by composite
 * Simpson integration: erf z = (2/√π)∫_0^z e^{−t²}dt (relative error < 1e-13 at the step used);
 * for z ≥ 1, erfc z = (2/√π)·e^{−z²}/(2z)·∫_0^∞ e^{−u − u²/(4z²)}du (t = z + u/(2z), a smooth
 * integrand; truncated at u = 50 and accurate to ~1e-11 relative).
 */
class MathAccuracyTest {
    private static final int STEPS = 8000;

    private static double simpson(java.util.function.DoubleUnaryOperator f, double from, double to) {
        double h = (to - from) / STEPS;
        double s = f.applyAsDouble(from) + f.applyAsDouble(to);
        for (int i = 1; i < STEPS; i++) {
            s += (i % 2 == 1 ? 4 : 2) * f.applyAsDouble(from + i * h);
        }
        return s * h / 3;
    }

    static double erfRef(double z) {
        return z < 0 ? -erfRef(-z) : simpson(t -> 2 / Math.sqrt(Math.PI) * Math.exp(-t * t), 0, z);
    }

    static double erfcRef(double z) { // z >= 0
        if (z < 1) {
            return 1 - erfRef(z);
        }
        double q = 1 / (4 * z * z);
        return 2 / Math.sqrt(Math.PI) * Math.exp(-z * z) / (2 * z) * simpson(u -> Math.exp(-u - u * u * q), 0, 50);
    }

    /** gelu(x) = x·Φ(x) with Φ from the reference; the tail form keeps negative x accurate. */
    static double geluRef(double x) {
        double z = x / Math.sqrt(2);
        return x >= 0 ? x * 0.5 * (2 - erfcRef(z)) : x * 0.5 * erfcRef(-z);
    }

    @Test
    void referenceSanity() {
        assertEquals(0.8427007929497149, erfRef(1), 1e-14);   // erf(1), tabulated
        assertEquals(1.5374597944280349e-12, erfcRef(5), 1e-22); // erfc(5), tabulated
        assertEquals(0.15729920705028513, erfcRef(1), 1e-12); // erfc(1)
    }

    @Test
    void scalarErfIsCorrectlyRoundedOrNearly() {
        double worst = 0;
        for (int i = -3000; i <= 3000; i++) {
            float x = i / 500f; // [-6, 6]
            double want = erfRef(x);
            double err = Math.abs(Scalar.erf(x) - want);
            assertTrue(err <= Math.ulp((float) want), "erf(" + x + ") = " + Scalar.erf(x) + " vs " + want);
            worst = Math.max(worst, err / Math.max(Math.abs(want), 1e-30));
        }
        assertTrue(worst < 1.2e-7, "worst relative error " + worst);
        assertEquals(0f, Scalar.erf(0f));
        assertEquals(1f, Scalar.erf(10f));
        assertEquals(-1f, Scalar.erf(Float.NEGATIVE_INFINITY));
        assertEquals((float) (2 / Math.sqrt(Math.PI) * (double) 1e-20f), Scalar.erf(1e-20f));
    }

    @Test
    void scalarErfcTail() {
        for (double z = 0; z < 9; z += 0.0625) {
            double want = erfcRef(z);
            assertEquals(want, Scalar.erfc(z), (z < 1 ? 1e-12 : 1e-10) * want, "erfc(" + z + ")");
        }
    }

    @Test
    void geluScalarAndVectorAgainstReference() {
        double worstScalar = 0;
        double worstVector = 0;
        float[] xs = new float[8001];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = (i - 4000) / 400f; // [-10, 10] in steps of 1/400
        }
        float[] v = xs.clone();
        Vectors.gelu(v, 0, v.length);
        for (int i = 0; i < xs.length; i++) {
            double want = geluRef(xs[i]);
            double scalarErr = Math.abs(Scalar.gelu(xs[i]) - want);
            double vectorErr = Math.abs(v[i] - want);
            assertTrue(scalarErr <= Math.ulp((float) want) + 1e-45, "Scalar.gelu(" + xs[i] + ")");
            assertTrue(vectorErr <= 1e-7 + 4e-7 * Math.abs(want),
                    "Vectors.gelu(" + xs[i] + ") = " + v[i] + " vs " + want);
            worstScalar = Math.max(worstScalar, scalarErr);
            worstVector = Math.max(worstVector, vectorErr);
        }
        assertTrue(worstVector < 2e-6, "worst absolute error " + worstVector);
        float[] special = {0f, -0f, 50f, -50f, 1e-30f, Float.MAX_VALUE, -Float.MAX_VALUE};
        Vectors.gelu(special, 0, special.length);
        assertEquals(0f, special[0]);
        assertEquals(50f, special[2]);
        assertEquals(0f, special[3], 1e-30);
        assertEquals(5e-31f, special[4], 1e-37);
        assertEquals(Float.MAX_VALUE, special[5]);
        assertEquals(0f, special[6], 0f);
    }

    @Test
    void vectorExpWithinTwoUlp() {
        float[] xs = new float[200_001];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = -87f + i * (87f + 88f) / 200_000;
        }
        float[] out = xs.clone();
        VectorMath.expShifted(out, 0, out.length, 0f);
        for (int i = 0; i < xs.length; i++) {
            double e = Math.exp(xs[i]);
            assertTrue(Math.abs(out[i] - e) <= 2 * Math.ulp((float) e), "exp(" + xs[i] + ") = " + out[i] + " vs " + e);
        }
        float[] small = new float[1001];
        double want = 0;
        for (int i = 0; i < small.length; i++) {
            small[i] = (i - 500) / 100f;
            want += Math.exp(small[i] - 1.5);
        }
        assertEquals(want, VectorMath.expShifted(small, 0, small.length, 1.5f), 1e-6 * want);
        float[] shifted = {Float.NEGATIVE_INFINITY, -100f, 0f, 3f, 5f};
        VectorMath.expShifted(shifted, 1, 3, 3f); // e^{x-3} on [-100, 0, 3]
        assertEquals(Float.NEGATIVE_INFINITY, shifted[0]);
        assertEquals(0f, shifted[1]);
        assertEquals((float) Math.exp(-3), shifted[2], Math.ulp((float) Math.exp(-3)));
        assertEquals(1f, shifted[3]);
        assertEquals(5f, shifted[4]);
        float[] negInf = {Float.NEGATIVE_INFINITY};
        VectorMath.expShifted(negInf, 0, 1, 0f);
        assertEquals(0f, negInf[0]);
    }
}
