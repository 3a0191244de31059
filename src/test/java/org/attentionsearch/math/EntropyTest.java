package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
    void aRowWithoutWeightHasNoEntropyAndAUniformRowHasLnN() {
        assertEquals(0, Entropy.nats(new float[] {0, 0, Float.NaN}, 0, 3));
        float[] uniform = new float[100];
        java.util.Arrays.fill(uniform, 0.01f);
        assertEquals(Math.log(100), Entropy.nats(uniform, 0, 100), 1e-12);
    }
}
