package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The vector entropy against the plain one, on rows of every length around the vector width, with zeros, NaN and offsets. */
class EntropyTest {

    @Test
    void theVectorEntropyIsThePlainOneToAFewUlps() {
        Random random = new Random(7);
        for (int n = 0; n <= 67; n++) {
            for (int trial = 0; trial < 5; trial++) {
                int from = random.nextInt(5);
                float[] a = new float[from + n + 3];
                for (int j = 0; j < a.length; j++) {
                    double u = random.nextDouble();
                    a[j] = u < 0.15 ? 0f : u < 0.18 ? -0.5f : u < 0.2 ? Float.NaN : (float) Math.exp(-20 * random.nextDouble());
                }
                double plain = Entropy.scalar(a, from, n), vector = Entropy.nats(a, from, n);
                // Sums of at most 67 positive terms in another order, and logarithms within an ulp: a few ulps of ln n.
                assertEquals(plain, vector, 1e-14 * Math.max(1, Math.abs(plain)), "n " + n + " from " + from);
            }
        }
    }

    @Test
    void theLogarithmIsMathsToAnUlpOnEveryFloat() {
        // Every positive float widens to a normal double, the only arguments the entropy takes.
        Random random = new Random(8);
        double worst = 0;
        for (int t = 0; t < 200_000; t++) {
            float x = Float.intBitsToFloat(1 + random.nextInt(0x7f7fffff));
            double want = Math.log(x), got = Entropy.log(x);
            worst = Math.max(worst, Math.abs(got - want) / Math.ulp(want));
        }
        for (float x : new float[] {Float.MIN_VALUE, Float.MIN_NORMAL, 1f, Math.nextUp(1f), Math.nextDown(1f), 0.70710677f, 1.4142135f, 2f, Float.MAX_VALUE}) {
            worst = Math.max(worst, Math.abs(Entropy.log(x) - Math.log(x)) / Math.ulp(Math.log(x)));
        }
        assertEquals(0, Entropy.log(1), 0);
        assertTrue(worst <= 1, "worst error " + worst + " ulp");
    }

    @Test
    void aRowWithoutWeightHasNoEntropyAndAUniformRowHasLnN() {
        assertEquals(0, Entropy.nats(new float[] {0, 0, Float.NaN}, 0, 3));
        float[] uniform = new float[100];
        java.util.Arrays.fill(uniform, 0.01f);
        assertEquals(Math.log(100), Entropy.nats(uniform, 0, 100), 1e-12);
    }
}
