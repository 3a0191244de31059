package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Each Vectors kernel against its Scalar twin on lengths around the vector width, at odd
 * offsets, with fixed seeds. The vector kernels accumulate in float with a handful of
 * partial sums, so reductions are compared against Σ|terms| times a few float ulps·√len.
 */
class VectorsTest {
    private static final int[] LENGTHS = {0, 1, 3, 15, 16, 17, 31, 32, 33, 48, 50, 63, 100, 384, 1536};
    private static final int OFF = 3;

    private static float[] random(Random rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    /** A random slice [OFF, OFF+len) in an array with sentinels either side. */
    private static float[] slice(Random rnd, int len) {
        float[] x = random(rnd, len + OFF + 4);
        Arrays.fill(x, 0, OFF, 1234f);
        Arrays.fill(x, OFF + len, x.length, 1234f);
        return x;
    }

    private static void assertClose(float[] want, float[] got, double absTol, double relTol, String what) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            double tol = absTol + relTol * Math.abs(want[i]);
            assertTrue(Math.abs(want[i] - got[i]) <= tol,
                    what + ": [" + i + "] " + got[i] + " vs " + want[i] + " (tol " + tol + ")");
        }
    }

    private static double reductionTol(int len, double magnitude) {
        return 4 * Math.ulp(1f) * Math.sqrt(len + 1) * magnitude + 1e-30;
    }

    @Test
    void dotSumMax() {
        Random rnd = new Random(1);
        for (int len : LENGTHS) {
            float[] a = slice(rnd, len);
            float[] b = slice(rnd, len);
            double mag = 0;
            double absSum = 0;
            for (int i = 0; i < len; i++) {
                mag += Math.abs(a[OFF + i] * b[OFF + i]);
                absSum += Math.abs(a[OFF + i]);
            }
            assertEquals(Scalar.dot(a, OFF, b, OFF, len), Vectors.dot(a, OFF, b, OFF, len), reductionTol(len, mag), "dot " + len);
            assertEquals(Scalar.sum(a, OFF, len), Vectors.sum(a, OFF, len), reductionTol(len, absSum), "sum " + len);
            assertEquals(Scalar.max(a, OFF, len), Vectors.max(a, OFF, len), 0f, "max " + len);
        }
        float[] neg = {5f, -3f, -2f, -7f, 9f};
        assertEquals(-2f, Vectors.max(neg, 1, 3));
        for (int at : new int[] {0, 17, 40, 49}) { // a NaN anywhere, in a pair, a single or the tail
            float[] x = slice(rnd, 50);
            x[OFF + at] = Float.NaN;
            assertTrue(Float.isNaN(Vectors.max(x, OFF, 50)), "NaN at " + at);
        }
    }

    @Test
    void elementWiseKernelsMatchExactly() {
        Random rnd = new Random(2);
        for (int len : LENGTHS) {
            float[] x = slice(rnd, len);
            float[] y1 = slice(rnd, len);
            float[] y2 = y1.clone();
            Vectors.axpy(0.37f, x, OFF, y1, OFF, len);
            Scalar.axpy(0.37f, x, OFF, y2, OFF, len);
            assertClose(y2, y1, 0, 0, "axpy " + len);
            float[] s1 = x.clone();
            float[] s2 = x.clone();
            Vectors.scale(s1, OFF, len, -1.7f);
            Scalar.scale(s2, OFF, len, -1.7f);
            assertClose(s2, s1, 0, 0, "scale " + len);
        }
    }

    @Test
    void softmaxMatchesScalarAndSumsToOne() {
        Random rnd = new Random(3);
        for (int len : LENGTHS) {
            if (len == 0) {
                continue;
            }
            float[] v = slice(rnd, len);
            for (int i = 0; i < len; i++) {
                v[OFF + i] *= 10;
                if (rnd.nextInt(4) == 0 && i > 0) {
                    v[OFF + i] = Float.NEGATIVE_INFINITY;
                }
            }
            float[] s = v.clone();
            float[] original = v.clone();
            Vectors.softmax(v, OFF, len);
            Scalar.softmax(s, OFF, len);
            assertClose(s, v, 1e-9, 1e-6, "softmax " + len);
            double total = 0;
            for (int i = 0; i < len; i++) {
                total += v[OFF + i];
                if (original[OFF + i] == Float.NEGATIVE_INFINITY) {
                    assertEquals(0f, v[OFF + i], "masked entry");
                }
            }
            assertEquals(1.0, total, 2e-6, "softmax row sum, len " + len);
            assertEquals(1234f, v[OFF - 1]);
            assertEquals(1234f, v[OFF + len]);
        }
    }

    @Test
    void softmaxSpecialRows() {
        float[] equal = new float[37];
        Arrays.fill(equal, 3.5f);
        Vectors.softmax(equal, 0, 37);
        for (float p : equal) {
            assertEquals(1f / 37, p, 1e-7);
        }
        float[] masked = {Float.NEGATIVE_INFINITY, 2f, Float.NEGATIVE_INFINITY, 2f};
        Vectors.softmax(masked, 0, 4);
        assertEquals(0f, masked[0]);
        assertEquals(0.5f, masked[1], 1e-7);
        assertEquals(0f, masked[2]);
        float[] allMasked = new float[20];
        Arrays.fill(allMasked, Float.NEGATIVE_INFINITY);
        Vectors.softmax(allMasked, 0, 20);
        for (float p : allMasked) {
            assertEquals(0f, p);
        }
        float[] huge = {1e30f, 1e30f, -1e30f, 80f};
        Vectors.softmax(huge, 0, 4);
        assertEquals(0.5f, huge[0], 1e-7);
        assertEquals(0f, huge[2]);
        float[] large = {-10000f, 0f, -10000f, -9999f};
        Vectors.softmax(large, 0, 4);
        assertEquals(1f, large[1], 1e-7);
    }

    @Test
    void layerNormAgainstDoubleReference() {
        Random rnd = new Random(4);
        for (int len : LENGTHS) {
            if (len == 0) {
                continue;
            }
            float[] x = slice(rnd, len);
            for (int i = 0; i < len; i++) {
                x[OFF + i] = x[OFF + i] * 3 + 20; // an offset mean, as hidden states have
            }
            float[] gamma = random(rnd, len);
            float[] beta = random(rnd, len);
            float[] v = x.clone();
            float[] s = x.clone();
            Vectors.layerNorm(v, OFF, len, gamma, beta, 1e-12f);
            Scalar.layerNorm(s, OFF, len, gamma, beta, 1e-12f);
            assertClose(s, v, 2e-5, 2e-5, "layerNorm " + len);
            assertEquals(1234f, v[OFF + len]);
        }
        float[] constant = {2f, 2f, 2f};
        Vectors.layerNorm(constant, 0, 3, new float[] {1, 1, 1}, new float[] {0.5f, 0.5f, 0.5f}, 1e-5f);
        assertClose(new float[] {0.5f, 0.5f, 0.5f}, constant, 0, 0, "constant row");
    }

    @Test
    void geluMatchesScalar() {
        Random rnd = new Random(5);
        for (int len : LENGTHS) {
            float[] v = slice(rnd, len);
            for (int i = 0; i < len; i++) {
                v[OFF + i] *= 4;
            }
            float[] s = v.clone();
            Vectors.gelu(v, OFF, len);
            Scalar.gelu(s, OFF, len);
            assertClose(s, v, 1e-7, 1e-6, "gelu " + len);
            assertEquals(1234f, v[OFF + len]);
        }
    }

    @Test
    void l2Normalize() {
        Random rnd = new Random(6);
        for (int len : LENGTHS) {
            float[] v = slice(rnd, len);
            float[] s = v.clone();
            Vectors.l2Normalize(v, OFF, len);
            Scalar.l2Normalize(s, OFF, len);
            assertClose(s, v, 1e-7, 1e-6, "l2Normalize " + len);
        }
        float[] zeros = new float[5];
        Vectors.l2Normalize(zeros, 0, 5);
        assertClose(new float[5], zeros, 0, 0, "zero vector");
    }

    @Test
    void normsOutOfPlaceAgainstDoubleReference() {
        Random rnd = new Random(7);
        for (int len : LENGTHS) {
            if (len == 0) {
                continue;
            }
            float[] x = slice(rnd, len);
            for (int i = 0; i < len; i++) {
                x[OFF + i] = x[OFF + i] * 3 + 2;
            }
            float[] gamma = random(rnd, len);
            float[] beta = random(rnd, len);
            float[] v = new float[len + 2 * OFF];
            float[] s = new float[len + 2 * OFF];
            Vectors.rmsNorm(x, OFF, v, 1, len, gamma, 1e-6f);
            Scalar.rmsNorm(x, OFF, s, 1, len, gamma, 1e-6f);
            assertClose(s, v, 1e-6, 4e-7, "rmsNorm " + len);
            Vectors.layerNorm(x, OFF, v, 2, len, gamma, beta, 1e-5f);
            Scalar.layerNorm(x, OFF, s, 2, len, gamma, beta, 1e-5f);
            assertClose(s, v, 2e-5, 2e-5, "layerNorm out of place " + len);
            Vectors.layerNorm(x, OFF, v, 0, len, gamma, null, 1e-5f);
            Scalar.layerNorm(x, OFF, s, 0, len, gamma, null, 1e-5f);
            assertClose(s, v, 2e-5, 2e-5, "layerNorm without beta " + len);
        }
        float[] ones = {1f, -1f, 1f, -1f};
        float[] out = new float[4];
        Vectors.rmsNorm(ones, 0, out, 0, 4, new float[] {2, 2, 2, 2}, 0f);
        assertClose(new float[] {2, -2, 2, -2}, out, 0, 0, "unit rms");
    }

    @Test
    void gatedActivationsMatchScalar() {
        Random rnd = new Random(8);
        for (int len : LENGTHS) {
            float[] v = slice(rnd, len);
            for (int i = 0; i < len; i++) {
                v[OFF + i] *= 6;
            }
            float[] s = v.clone();
            Vectors.silu(v, OFF, len);
            Scalar.silu(s, OFF, len);
            assertClose(s, v, 1e-7, 4e-7, "silu " + len);
            assertEquals(1234f, v[OFF + len]);
            v = slice(rnd, len);
            s = v.clone();
            Vectors.geluTanh(v, OFF, len);
            Scalar.geluTanh(s, OFF, len);
            assertClose(s, v, 1e-7, 4e-7, "geluTanh " + len);
            float[] gateUp = random(rnd, 2 * len + OFF);
            float[] a = new float[len + 1];
            float[] b = new float[len + 1];
            Vectors.swiGlu(gateUp, OFF, len, a, 1);
            Scalar.swiGlu(gateUp, OFF, len, b, 1);
            assertClose(b, a, 1e-7, 6e-7, "swiGlu " + len);
        }
        float[] extremes = {-1e6f, -100f, -88f, 0f, 88f, 100f, 1e6f};
        float[] silu = extremes.clone();
        Vectors.silu(silu, 0, silu.length);
        float[] want = {-0f, -0f, -0f, 0f, 88f, 100f, 1e6f};
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], silu[i], Math.abs(want[i]) * 1e-6 + 1e-30, "silu(" + extremes[i] + ")");
        }
        float[] gelu = extremes.clone();
        Vectors.geluTanh(gelu, 0, gelu.length);
        for (int i = 0; i < gelu.length; i++) {
            assertTrue(Float.isFinite(gelu[i]), "geluTanh(" + extremes[i] + ") = " + gelu[i]);
        }
    }

    /**
     * A reduction gives the same bits before and after its kernel is compiled: a model loaded twice
     * must compute the same numbers, whichever pass the JIT happens to be on.
     */
    @Test
    void reductionsGiveTheSameBitsCompiledOrNot() {
        Random rnd = new Random(9);
        float[] a = random(rnd, 1000), b = random(rnd, 1000), gamma = random(rnd, 1000), y = new float[1000];
        float dot = Vectors.dot(a, 0, b, 0, 1000), sum = Vectors.sum(a, 0, 1000);
        Vectors.rmsNorm(a, 0, y, 0, 1000, gamma, 1e-6f);
        float[] firstRms = y.clone();
        float[] e = a.clone();
        Vectors.softmax(e, 0, 1000);
        for (int i = 0; i < 30_000; i++) { // enough calls for C2
            assertEquals(Float.floatToIntBits(dot), Float.floatToIntBits(Vectors.dot(a, 0, b, 0, 1000)));
            assertEquals(Float.floatToIntBits(sum), Float.floatToIntBits(Vectors.sum(a, 0, 1000)));
            Vectors.rmsNorm(a, 0, y, 0, 1000, gamma, 1e-6f);
            float[] f = a.clone();
            Vectors.softmax(f, 0, 1000);
            if (i % 1000 == 0) {
                assertArrayEquals(firstRms, y);
                assertArrayEquals(e, f);
            }
        }
    }
}
