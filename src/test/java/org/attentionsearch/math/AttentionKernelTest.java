package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/** The attention kernels against their scalar twin on random shapes, with offsets and strides. */
class AttentionKernelTest {

    @Test
    void scoresMatchTheScalarTwin() {
        Random random = new Random(3);
        for (int n : new int[] {1, 3, 15, 16, 17, 33, 100, 512}) {
            for (int d : new int[] {1, 7, 16, 32, 33, 64}) {
                for (int rows = 1; rows <= AttentionKernel.ROWS; rows++) {
                    int qStride = d + 5, outStride = n + 3;
                    float[] q = random(random, 2 + rows * qStride);
                    float[] kT = random(random, 1 + d * n);
                    float[] fast = new float[4 + rows * outStride], slow = fast.clone();
                    AttentionKernel.vectorScores(q, 2, qStride, rows, kT, 1, n, n, d, 0.125f, fast, 4, outStride);
                    ScalarAttentionKernel.scores(q, 2, qStride, rows, kT, 1, n, d, 0.125f, slow, 4, outStride);
                    assertClose(slow, fast, d, "scores n=" + n + " d=" + d + " rows=" + rows);
                }
            }
        }
    }

    /** A causal block reads only the first keys of a wider kᵀ: the same numbers, nothing written past them. */
    @Test
    void scoresOverTheFirstKeysOnly() {
        Random random = new Random(5);
        for (int n : new int[] {17, 40, 100}) {
            for (int keys : new int[] {1, 16, 17, n}) {
                int d = 24, rows = AttentionKernel.ROWS, outStride = n + 1;
                float[] q = random(random, rows * d);
                float[] kT = random(random, d * n);
                float[] all = new float[rows * outStride], some = new float[rows * outStride];
                java.util.Arrays.fill(some, 42f);
                AttentionKernel.vectorScores(q, 0, d, rows, kT, 0, n, n, d, 0.25f, all, 0, outStride);
                AttentionKernel.vectorScores(q, 0, d, rows, kT, 0, n, keys, d, 0.25f, some, 0, outStride);
                for (int r = 0; r < rows; r++) {
                    for (int j = 0; j < n; j++) {
                        float want = j < keys ? all[r * outStride + j] : 42f;
                        assertEquals(want, some[r * outStride + j], 0f, "n=" + n + " keys=" + keys + " at " + r + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void weightedSumsMatchTheScalarTwin() {
        Random random = new Random(4);
        for (int n : new int[] {1, 3, 17, 128, 513}) {
            for (int d : new int[] {1, 7, 16, 32, 33, 64}) {
                for (int rows = 1; rows <= AttentionKernel.ROWS; rows++) {
                    int pStride = n + 2, vStride = 3 * d + 1, zStride = d + 4;
                    float[] p = random(random, 1 + rows * pStride);
                    float[] v = random(random, 5 + n * vStride);
                    float[] fast = new float[3 + rows * zStride], slow = fast.clone();
                    AttentionKernel.vectorWeightedSum(p, 1, pStride, rows, v, 5, vStride, n, d, fast, 3, zStride);
                    ScalarAttentionKernel.weightedSum(p, 1, pStride, rows, v, 5, vStride, n, d, slow, 3, zStride);
                    assertClose(slow, fast, n, "weightedSum n=" + n + " d=" + d + " rows=" + rows);
                }
            }
        }
    }

    /**
     * A row computed alone (a decoding step's path) has the bits it has inside a block of twelve
     * (a prompt's): the forward pass, the cache's steps and a trace's recomputed scores rely on it.
     */
    @Test
    void aRowAloneHasTheBitsItHasInABlock() {
        Random random = new Random(5);
        int rows = AttentionKernel.ROWS;
        for (int n : new int[] {5, 32, 100, 1030}) {
            for (int d : new int[] {16, 64, 80}) {
                float[] q = random(random, rows * d), kT = random(random, d * n);
                float[] block = new float[rows * n], alone = new float[rows * n];
                AttentionKernel.vectorScores(q, 0, d, rows, kT, 0, n, n, d, 0.125f, block, 0, n);
                for (int r = 0; r < rows; r++) AttentionKernel.vectorScores(q, r * d, d, 1, kT, 0, n, n, d, 0.125f, alone, r * n, n);
                assertArrayEquals(block, alone, "scores n=" + n + " d=" + d);

                float[] p = random(random, rows * n), v = random(random, n * d);
                float[] zBlock = new float[rows * d], zAlone = new float[rows * d];
                AttentionKernel.vectorWeightedSum(p, 0, n, rows, v, 0, d, n, d, zBlock, 0, d);
                for (int r = 0; r < rows; r++) AttentionKernel.vectorWeightedSum(p, r * n, n, 1, v, 0, d, n, d, zAlone, r * d, d);
                assertArrayEquals(zBlock, zAlone, "weightedSum n=" + n + " d=" + d);
            }
        }
    }

    /** A process's first products go through plain loops: the bits of the vector kernels, on every blocking. */
    @Test
    void thePlainLoopsHaveTheVectorKernelsBits() {
        Random random = new Random(6);
        for (int n : new int[] {1, 5, 17, 33, 100}) {
            for (int d : new int[] {1, 7, 32, 64, 80}) {
                for (int rows = 1; rows <= AttentionKernel.ROWS; rows++) {
                    int stride = n + 3;
                    float[] q = random(random, rows * d), kT = random(random, d * stride);
                    float[] vector = new float[rows * n], plain = new float[rows * n];
                    AttentionKernel.vectorScores(q, 0, d, rows, kT, 0, stride, n, d, 0.125f, vector, 0, n);
                    PlainKernels.product(q, 0, d, rows, kT, 0, stride, d, n, 0.125f, plain, 0, n);
                    assertArrayEquals(vector, plain, "scores n=" + n + " d=" + d + " rows=" + rows);

                    float[] p = random(random, rows * n), v = random(random, n * (d + 2));
                    float[] zVector = new float[rows * d], zPlain = new float[rows * d];
                    AttentionKernel.vectorWeightedSum(p, 0, n, rows, v, 0, d + 2, n, d, zVector, 0, d);
                    PlainKernels.product(p, 0, n, rows, v, 0, d + 2, n, d, 1f, zPlain, 0, d);
                    assertArrayEquals(zVector, zPlain, "weightedSum n=" + n + " d=" + d + " rows=" + rows);
                }
            }
        }
    }

    /** Sums of `terms` products of values in [-1, 1): float rounding grows at most ~terms·ulp. */
    private static void assertClose(float[] expected, float[] actual, int terms, String what) {
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-6 * terms + 1e-6, what + " at " + i);
        }
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2 - 1;
        return x;
    }
}
