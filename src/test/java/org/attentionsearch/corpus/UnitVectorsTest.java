package org.attentionsearch.corpus;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

class UnitVectorsTest {

    @Test
    void aDirectionHasLengthOneAndTimesTheLengthGivesTheVectorBack() {
        Random random = new Random(7);
        for (int trial = 0; trial < 100; trial++) {
            float[] v = new float[1 + random.nextInt(700)];
            float scale = (float) Math.pow(10, random.nextInt(7) - 3);
            for (int i = 0; i < v.length; i++) v[i] = (float) random.nextGaussian() * scale;
            float[] u = UnitVectors.direction(v);
            assertEquals(1.0, UnitVectors.length(u), 1e-6);
            float length = (float) UnitVectors.length(v);
            float[] back = UnitVectors.scaled(u, length);
            // Three roundings (the direction, the length, the product): a few ulps of each entry.
            for (int i = 0; i < v.length; i++) assertEquals(v[i], back[i], 4 * Math.ulp(v[i]) + 1e-6f * length / v.length, "entry " + i);
            // The dot product of two directions is the cosine of the vectors.
            float[] w = v.clone();
            w[0] += scale;
            float[] uw = UnitVectors.direction(w);
            double dot = 0;
            for (int i = 0; i < v.length; i++) dot += (double) u[i] * uw[i];
            assertEquals(CorpusIndex.cosine(v, w), dot, 1e-6);
        }
    }

    @Test
    void theZeroVectorHasNoDirection() {
        assertArrayEquals(new float[3], UnitVectors.direction(new float[3]));
        assertEquals(0, UnitVectors.length(new float[3]));
    }
}
