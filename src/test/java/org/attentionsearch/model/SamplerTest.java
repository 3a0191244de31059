package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import org.junit.jupiter.api.Test;

/** Sampling against the definition, written out plainly here: temperature, then top-k, then top-p. */
class SamplerTest {

    private static float[] logits(long seed, int v) {
        Random r = new Random(seed);
        float[] x = new float[v];
        for (int i = 0; i < v; i++) x[i] = (float) (2 * r.nextGaussian());
        return x;
    }

    /** The filtered distribution over all v ids (0 for the ids filtered out). */
    private static double[] expected(float[] logits, double t, int k, double p) {
        int v = logits.length;
        Integer[] order = IntStream.range(0, v).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> -logits[i]).thenComparingInt(i -> i));
        int kept = k == 0 ? v : k;
        double[] e = new double[kept];
        double sum = 0;
        for (int r = 0; r < kept; r++) sum += e[r] = Math.exp(logits[order[r]] / t);
        double cumulative = 0;
        int n = 0;
        while (n < kept && cumulative < p) cumulative += e[n++] / sum;
        double total = 0;
        for (int r = 0; r < n; r++) total += e[r];
        double[] out = new double[v];
        for (int r = 0; r < n; r++) out[order[r]] = e[r] / total;
        return out;
    }

    @Test
    void drawsFollowTheFilteredDistribution() {
        int v = 40, draws = 40_000;
        float[] x = logits(3, v);
        for (double[] setting : new double[][] {{0.8, 6, 0.9}, {1.0, 0, 1.0}, {1.7, 0, 0.5}, {0.5, 3, 1.0}}) {
            Sampler.Settings s = new Sampler.Settings(setting[0], (int) setting[1], setting[2], 12345);
            double[] want = expected(x, s.temperature(), s.topK(), s.topP());
            Sampler sampler = new Sampler(s);
            int[] counts = new int[v];
            for (int i = 0; i < draws; i++) counts[sampler.next(x, 0, v)]++;
            for (int t = 0; t < v; t++) {
                double f = counts[t] / (double) draws;
                if (want[t] == 0) {
                    assertEquals(0, counts[t], Arrays.toString(setting) + ": token " + t + " is filtered out");
                } else {
                    // Five standard deviations of a binomial frequency: a false alarm is about one in 3.5 million.
                    double sigma = Math.sqrt(want[t] * (1 - want[t]) / draws);
                    assertEquals(want[t], f, 5 * sigma, Arrays.toString(setting) + ": frequency of token " + t);
                }
            }
        }
    }

    @Test
    void theCandidatesAreTheFilteredDistribution() {
        float[] x = logits(8, 200);
        Sampler.Settings s = new Sampler.Settings(0.7, 50, 0.8, 0);
        double[] want = expected(x, 0.7, 50, 0.8);
        Sampler.Candidates c = Sampler.candidates(x, 0, x.length, s);
        double total = 0;
        for (int r = 0; r < c.ids().length; r++) {
            assertEquals(want[c.ids()[r]], c.probability(r), 1e-12);
            total += want[c.ids()[r]];
        }
        assertEquals(1, total, 1e-12, "every kept token is a candidate");
    }

    @Test
    void aSeedRepeatsTheDraws() {
        float[] x = logits(5, 100);
        Sampler.Settings s = new Sampler.Settings(1.2, 0, 0.95, 42);
        int[] a = new int[200], b = new int[200];
        Sampler first = new Sampler(s), second = new Sampler(s);
        for (int i = 0; i < 200; i++) {
            a[i] = first.next(x, 0, x.length);
            b[i] = second.next(x, 0, x.length);
        }
        assertArrayEquals(a, b);
        assertTrue(Arrays.stream(a).distinct().count() > 1, "draws vary within a run");
    }

    @Test
    void greedyTakesTheLargestLogitAndTheLowerIdOnTies() {
        float[] x = {0.5f, 2f, -1f, 2f, Float.NEGATIVE_INFINITY};
        assertEquals(1, new Sampler(Sampler.Settings.greedy()).next(x, 0, x.length));
        assertEquals(3, Sampler.argmax(new float[] {-5f, -4f, -9f, -1f}, 0, 4), "negative logits order too");
    }
}
