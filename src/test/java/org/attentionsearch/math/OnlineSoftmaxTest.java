package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** The streamed softmax against a plain one in double over the whole row. */
class OnlineSoftmaxTest {

    private static final float NEG = Float.NEGATIVE_INFINITY;

    @Test
    void randomRowsInRandomBlocks() {
        Random r = new Random(11);
        for (int trial = 0; trial < 300; trial++) {
            int n = 1 + r.nextInt(trial < 100 ? 20 : 3000);
            float spread = (float) Math.pow(10, r.nextInt(4) - 1);
            float[] s = new float[n];
            for (int j = 0; j < n; j++) s[j] = r.nextFloat() < 0.1 ? NEG : (float) (spread * r.nextGaussian());
            if (allMasked(s)) s[r.nextInt(n)] = 0;
            check(s, 1 + r.nextInt(12), r);
        }
    }

    @Test
    void adversarialRows() {
        Random r = new Random(12);
        float[] dominant = new float[1000];
        dominant[637] = 200;
        float[] equal = new float[777];
        Arrays.fill(equal, 3.25f);
        float[] masked = new float[500];
        Arrays.fill(masked, NEG);
        masked[0] = -2;
        masked[250] = 1;
        masked[499] = 1;
        float[] huge = new float[400];
        for (int j = 0; j < huge.length; j++) huge[j] = (j % 3 == 0 ? 1 : -1) * 1e30f * (1 - j / 1000f);
        float[] nearHuge = {1e30f, Math.nextDown(1e30f), 1e30f, -1e30f, NEG, 1e30f};
        float[] rising = new float[2000]; // every block raises the maximum: the rescaling path
        for (int j = 0; j < rising.length; j++) rising[j] = j * 0.01f;
        float[] falling = rising.clone();
        for (int j = 0; j < falling.length; j++) falling[j] = -falling[j];
        for (float[] s : new float[][] {dominant, equal, masked, huge, nearHuge, rising, falling, {5f}, {NEG, NEG, -7f, NEG}}) {
            for (int k : new int[] {1, 3, 10}) check(s, k, r);
        }
    }

    @Test
    void rowWithoutVisibleKeys() {
        OnlineSoftmax acc = new OnlineSoftmax(4);
        acc.add(new float[] {NEG, NEG}, 0, 2, 0);
        assertEquals(0, acc.count());
        assertEquals(Double.NEGATIVE_INFINITY, acc.logSumExp());
        assertEquals(1, acc.effectiveResults());
        assertEquals(0, acc.topKeys().length);
    }

    /** Feeds s in random blocks and compares every output with the whole-row computation. */
    private static void check(float[] s, int k, Random r) {
        int n = s.length;
        float[] u = new float[n];
        for (int j = 0; j < n; j++) u[j] = r.nextFloat();
        OnlineSoftmax acc = new OnlineSoftmax(k);
        for (int j0 = 0; j0 < n; ) {
            int len = Math.min(n - j0, 1 + r.nextInt(300));
            float[] block = new float[len + 5]; // at an offset, as a row inside a larger buffer
            System.arraycopy(s, j0, block, 5, len);
            acc.add(block, 5, len, j0, u, j0);
            j0 += len;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float x : s) max = Math.max(max, x);
        double sum = 0;
        for (float x : s) sum += Math.exp(x - max);
        double entropy = 0, mean = 0;
        for (int j = 0; j < n; j++) {
            double a = Math.exp(s[j] - max) / sum;
            if (a > 0) entropy -= a * Math.log(a);
            mean += a * u[j];
        }
        Integer[] order = IntStream.range(0, n).filter(j -> s[j] != NEG).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer j) -> -s[j]).thenComparingInt(j -> j));
        int[] expected = Arrays.stream(order).limit(k).mapToInt(Integer::intValue).toArray();
        String what = "row of " + n + ", k " + k;
        assertArrayEquals(expected, acc.topKeys(), what);
        double[] scores = acc.topScores();
        for (int r2 = 0; r2 < expected.length; r2++) {
            int j = expected[r2];
            assertEquals(s[j], scores[r2], 0, what);
            assertEquals(Math.exp(s[j] - max) / sum, acc.weight(scores[r2]), 1e-6, what);
        }
        assertEquals(entropy, acc.entropy(), 1e-6, what);
        assertEquals(Math.exp(entropy), acc.effectiveResults(), 1e-6 * Math.exp(entropy), what);
        assertEquals(max + Math.log(sum), acc.logSumExp(), 1e-9 * Math.max(1, Math.abs(max)), what);
        assertEquals(mean, acc.weightedMean(), 1e-6, what);
        assertEquals(order.length, acc.count(), what);
    }

    private static boolean allMasked(float[] s) {
        for (float x : s) if (x != NEG) return false;
        return true;
    }

    @Test
    void topKeysKeepTheLargestWithTiesByLowerKey() {
        TopKeys top = new TopKeys(3);
        double[] v = {1, 5, 5, 2, 5, 0, 7};
        for (int j = v.length - 1; j >= 0; j--) top.offer(j, v[j]); // arrival order must not matter
        assertArrayEquals(new int[] {6, 1, 2}, top.keys());
        assertArrayEquals(new double[] {7, 5, 5}, top.values());
        TopKeys none = new TopKeys(0);
        none.offer(0, 1);
        assertEquals(0, none.keys().length);
    }
}
