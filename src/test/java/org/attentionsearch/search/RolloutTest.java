package org.attentionsearch.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;

import org.junit.jupiter.api.Test;

class RolloutTest {

    @Test
    void twoLayersWorkedOutByHand() {
        // Layer 1: A = [[.5 .5] [.2 .8]] → (A + I) row-normalised = [[.75 .25] [.1 .9]]
        // Layer 2: A = [[0 1] [1 0]]     → (A + I) row-normalised = [[.5 .5] [.5 .5]]
        // R = Ã2 · Ã1: row 0 = .5·[.75 .25] + .5·[.1 .9] = [.425 .575], and row 1 the same.
        float[] layer1 = {0.5f, 0.5f, 0.2f, 0.8f};
        float[] layer2 = {0f, 1f, 1f, 0f};
        double[] r = Rollout.compute(List.of(layer1, layer2), 2);
        assertArrayEquals(new double[] {0.425, 0.575, 0.425, 0.575}, r, 1e-7);
    }

    @Test
    void oneLayerIsItsResidualNormalisedAttention() {
        float[] a = {1f, 0f, 0f, 0f, 0.5f, 0.5f, 0.25f, 0.25f, 0.5f};
        double[] r = Rollout.compute(List.of(a), 3);
        // Row 0: [2 0 0]/2; row 1: [0 1.5 .5]/2; row 2: [.25 .25 1.5]/2.
        assertArrayEquals(new double[] {1, 0, 0, 0, 0.75, 0.25, 0.125, 0.125, 0.75}, r, 1e-7);
    }

    @Test
    void effectiveResultsOfUniformRowIsItsLength() {
        for (int n : new int[] {1, 2, 7, 128}) {
            float[] row = new float[n];
            java.util.Arrays.fill(row, 1f / n);
            org.junit.jupiter.api.Assertions.assertEquals(n, Analysis.effectiveResults(row, 0, n), 1e-4 * n);
        }
        org.junit.jupiter.api.Assertions.assertEquals(1.0, Analysis.effectiveResults(new float[] {0, 1, 0}, 0, 3), 1e-12);
    }
}
