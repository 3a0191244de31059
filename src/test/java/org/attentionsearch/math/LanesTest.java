package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The vector lane sums against the plain twin, to the bit, on lanes chosen so that the order of
 * the additions shows: magnitudes far apart, cancellations, −0, infinities and NaN.
 */
class LanesTest {
    private static final int L = Lanes.L;

    @Test
    void theVectorSumsAreThePlainTreeToTheBit() {
        Random rnd = new Random(3);
        for (int trial = 0; trial < 2000; trial++) {
            int off = rnd.nextInt(7), o = rnd.nextInt(5);
            float[] lanes = new float[off + 4 * L + 3];
            for (int i = 0; i < lanes.length; i++) lanes[i] = awkward(rnd);
            float[] out = new float[o + 6];
            Lanes.sum4(lanes, off, out, o);
            for (int v = 0; v < 4; v++) {
                float want = Lanes.plainSum(Arrays.copyOfRange(lanes, off + v * L, off + (v + 1) * L), 0);
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(out[o + v]), "trial " + trial + " vector " + v);
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(Lanes.sum(lanes, off + v * L)), "trial " + trial + " alone");
            }
            assertEquals(0f, out[o + 4]);
        }
    }

    @Test
    void theTreeAddsEachLaneToItsPartnerAHalfAwayThenAQuarter() {
        // Written independently: halves added lanewise, until one lane is left.
        Random rnd = new Random(4);
        for (int trial = 0; trial < 200; trial++) {
            float[] v = new float[L];
            for (int i = 0; i < L; i++) v[i] = awkward(rnd);
            float[] w = v.clone();
            for (int half = L / 2; half >= 1; half /= 2) {
                float[] next = new float[half];
                for (int i = 0; i < half; i++) next[i] = w[i] + w[i + half];
                w = next;
            }
            assertEquals(Float.floatToIntBits(w[0]), Float.floatToIntBits(Lanes.plainSum(v.clone(), 0)));
        }
        double[] d = {1e16, 1, -1e16, 1, 3, 5, 7, 9};
        assertEquals(((1e16 + 3) + (-1e16 + 7)) + ((1 + 5) + (1 + 9)), Lanes.sum(d, 0, 8));
    }

    private static float awkward(Random rnd) {
        double u = rnd.nextDouble();
        if (u < 0.02) return Float.NaN;
        if (u < 0.04) return rnd.nextBoolean() ? Float.POSITIVE_INFINITY : Float.NEGATIVE_INFINITY;
        if (u < 0.08) return -0f;
        float x = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(60) - 30));
        return rnd.nextInt(4) == 0 ? -x : x;
    }
}
