package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The half-precision cache's kernels against {@link AttentionKernel} on the same halves widened by
 * the JDK ({@link Float#float16ToFloat}), which they must equal to the bit, and so against the
 * scalar twin; on random shapes, with offsets and strides.
 */
class HalfAttentionKernelTest {

    /** Every finite half of the 65,536 widens to the JDK's float (a cache holds no infinity or NaN). */
    @Test
    void everyHalfWidensExactly() {
        short[] all = new short[65536];
        for (int i = 0; i < all.length; i++) all[i] = (short) i;
        float[] widened = new float[all.length + 3];
        HalfAttentionKernel.widen(all, 0, widened, 3, all.length);
        for (int i = 0; i < all.length; i++) {
            float want = Float.float16ToFloat(all[i]);
            if (!Float.isFinite(want)) continue;
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(widened[3 + i]), "half 0x" + Integer.toHexString(i));
        }
    }

    @Test
    void scoresAreTheFloatKernelsOnTheWidenedKeys() {
        Random random = new Random(7);
        for (int keys : new int[] {1, 3, 15, 16, 17, 100, 511, 512, 513, 1030}) {
            for (int d : new int[] {1, 7, 16, 64, 80}) {
                for (int rows : new int[] {1, 2, 3, 4, 5, 7, 12}) {
                    int stride = keys + 9, qStride = d + 5, outStride = keys + 3;
                    short[] kT = halves(random, 2 + d * stride);
                    float[] wide = new float[kT.length];
                    for (int i = 0; i < kT.length; i++) wide[i] = Float.float16ToFloat(kT[i]);
                    float[] q = random(random, 2 + rows * qStride);
                    float[] half = new float[4 + rows * outStride], single = half.clone(), slow = half.clone();
                    HalfAttentionKernel.scores(q, 2, qStride, rows, kT, 2, stride, keys, d, 0.125f, half, 4, outStride);
                    AttentionKernel.vectorScores(q, 2, qStride, rows, wide, 2, stride, keys, d, 0.125f, single, 4, outStride);
                    assertArrayEquals(single, half, "scores keys=" + keys + " d=" + d + " rows=" + rows);
                    float[] packed = new float[d * keys];
                    for (int c = 0; c < d; c++) System.arraycopy(wide, 2 + c * stride, packed, c * keys, keys);
                    ScalarAttentionKernel.scores(q, 2, qStride, rows, packed, 0, keys, d, 0.125f, slow, 4, outStride);
                    for (int i = 0; i < slow.length; i++) assertEquals(slow[i], half[i], 1e-6 * d + 1e-6, "against the scalar twin at " + i);
                }
            }
        }
    }

    @Test
    void weightedSumsAreTheFloatKernelsOnTheWidenedValues() {
        Random random = new Random(8);
        for (int n : new int[] {1, 3, 17, 128, 1030}) {
            for (int d : new int[] {1, 7, 16, 32, 33, 64, 80}) {
                for (int rows : new int[] {1, 2, 3, 4, 5, 7, 12}) {
                    int pStride = n + 2, vStride = 3 * d + 1, zStride = d + 4;
                    float[] p = random(random, 1 + rows * pStride);
                    short[] v = halves(random, 5 + n * vStride);
                    float[] wide = new float[v.length];
                    for (int i = 0; i < v.length; i++) wide[i] = Float.float16ToFloat(v[i]);
                    float[] half = new float[3 + rows * zStride], single = half.clone(), slow = half.clone();
                    HalfAttentionKernel.weightedSum(p, 1, pStride, rows, v, 5, vStride, n, d, half, 3, zStride);
                    AttentionKernel.vectorWeightedSum(p, 1, pStride, rows, wide, 5, vStride, n, d, single, 3, zStride);
                    assertArrayEquals(single, half, "weightedSum n=" + n + " d=" + d + " rows=" + rows);
                    ScalarAttentionKernel.weightedSum(p, 1, pStride, rows, wide, 5, vStride, n, d, slow, 3, zStride);
                    for (int i = 0; i < slow.length; i++) assertEquals(slow[i], half[i], 1e-6 * n + 1e-6, "against the scalar twin at " + i);
                }
            }
        }
    }

    /** Halves of values in [-4, 4), with some subnormal ones among them. */
    private static short[] halves(Random r, int n) {
        short[] h = new short[n];
        for (int i = 0; i < n; i++) {
            float x = i % 97 == 0 ? (r.nextFloat() - 0.5f) * 1e-6f : r.nextFloat() * 8 - 4;
            h[i] = Float.floatToFloat16(x);
        }
        return h;
    }

    private static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = r.nextFloat() * 2 - 1;
        return x;
    }
}
