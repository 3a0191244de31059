package org.attentionsearch.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

/** The sink rule on rows and pages built by hand, where the answer is known by construction. */
class SinksTest {

    @Test
    void aHeavyKeyWithATinyValueIsASinkAndAHeavyKeyWithAStrongValueIsNot() {
        // Key 0 takes 0.8 of the weight; its value vector is 1/100 as strong as the others' (f = 0.01 vs 1).
        float[] w = {0.8f, 0.1f, 0.1f};
        float[] weak = {0.8f * 0.01f, 0.1f, 0.1f};
        assertArrayEquals(new boolean[] {true, false, false}, Sinks.mark(w, weak, 0, 3));
        assertEquals(0.01, Sinks.valueRatio(w, weak, 0, 3, 0), 1e-6);
        // The same weights with equally strong values: the heavy key is an ordinary top result.
        float[] strong = {0.8f, 0.1f, 0.1f};
        assertArrayEquals(new boolean[3], Sinks.mark(w, strong, 0, 3));
        assertEquals(1.0, Sinks.valueRatio(w, strong, 0, 3, 0), 1e-6);
    }

    /** Where the share of the row's total would miss it: α = 0.95 on a value ten times weaker still holds 2/3 of the total. */
    @Test
    void theOtherKeysAreTheYardstickNotTheWholeRow() {
        float[] w = {0.95f, 0.05f};
        float[] v = {0.95f * 0.1f, 0.05f};
        double share = v[0] / (double) (v[0] + v[1]);
        assertTrue(share > 0.5 * w[0], "by its share of the row it would pass: " + share);
        assertEquals(0.1, Sinks.valueRatio(w, v, 0, 2, 0), 1e-6);
        assertTrue(Sinks.mark(w, v, 0, 2)[0]);
    }

    @Test
    void thresholdsAreInclusiveForWeightAndStrictForTheValueRatio() {
        float atWeight = (float) Sinks.MIN_WEIGHT;           // 0.3f is a hair above 0.3
        float belowWeight = Math.nextDown(atWeight);
        // A weak key (f = 0.1) at the weight threshold and just below it; the rest share the remainder equally.
        for (float a : new float[] {atWeight, belowWeight}) {
            float[] w = {a, (1 - a) / 2, (1 - a) / 2};
            float[] v = {a * 0.1f, w[1], w[2]};
            assertEquals(a >= Sinks.MIN_WEIGHT, Sinks.mark(w, v, 0, 3)[0], "weight " + a);
        }
        assertTrue(atWeight >= Sinks.MIN_WEIGHT && belowWeight < Sinks.MIN_WEIGHT);
        // ρ = 0.5 exactly is not a sink; a hair under it is (all numbers exact in binary).
        float[] w = {0.5f, 0.5f};
        assertEquals(0.5, Sinks.valueRatio(w, new float[] {0.25f, 0.5f}, 0, 2, 0), 0);
        assertFalse(Sinks.mark(w, new float[] {0.25f, 0.5f}, 0, 2)[0]);
        assertTrue(Sinks.mark(w, new float[] {Math.nextDown(0.25f), 0.5f}, 0, 2)[0]);
        assertTrue(Sinks.isSink(Sinks.MIN_WEIGHT, Math.nextDown(Sinks.MAX_VALUE_RATIO)));
        assertFalse(Sinks.isSink(Sinks.MIN_WEIGHT, Sinks.MAX_VALUE_RATIO));
        assertFalse(Sinks.isSink(Sinks.MIN_WEIGHT, Double.NaN));
    }

    @Test
    void aKeyWithNothingToCompareWithIsNoSink() {
        // A decoder's first query sees one key; a row whose other keys hold no weight has no yardstick either.
        assertArrayEquals(new boolean[] {false}, Sinks.mark(new float[] {1f}, new float[] {0f}, 0, 1));
        assertTrue(Double.isNaN(Sinks.valueRatio(new float[] {1f, 0f}, new float[] {0f, 0f}, 0, 2, 0)));
        assertArrayEquals(new boolean[2], Sinks.mark(new float[] {1f, 0f}, new float[] {0f, 0f}, 0, 2));
    }

    @Test
    void theRowIsReadFromItsOffset() {
        // Two rows of a 2×3 matrix: the second row's key 2 is the sink.
        float[] w = {0.2f, 0.4f, 0.4f, 0.1f, 0.1f, 0.8f};
        float[] v = {0.2f, 0.4f, 0.4f, 0.1f, 0.1f, 0.001f};
        assertArrayEquals(new boolean[3], Sinks.mark(w, v, 0, 3));
        assertArrayEquals(new boolean[] {false, false, true}, Sinks.mark(w, v, 3, 3));
    }

    /**
     * Not all the weight can be marked: the key that adds most per unit of weight adds at least the
     * others' mean, so it is no sink (and a key whose others hold no weight has nothing to compare with).
     */
    @Test
    void sinksNeverTakeTheWholeRow() {
        Random random = new Random(7);
        for (int round = 0; round < 2000; round++) {
            int n = 1 + random.nextInt(5);
            float[] w = new float[n], v = new float[n];
            double sum = 0;
            for (int j = 0; j < n; j++) sum += w[j] = (float) Math.pow(random.nextDouble(), 4);
            for (int j = 0; j < n; j++) {
                w[j] /= (float) sum;
                v[j] = w[j] * (float) (random.nextBoolean() ? random.nextDouble() : random.nextDouble() * 1e-3);
            }
            boolean[] sink = Sinks.mark(w, v, 0, n);
            double rest = 0;
            for (int j = 0; j < n; j++) if (!sink[j]) rest += w[j];
            assertTrue(rest > 0, "some weight is left unmarked");
        }
    }

    @Test
    void withoutSinksDividesTheRestByOneMinusTheSinkWeight() {
        TokenRef q = token(3);
        // Ranked page of four keys: the top one is a sink with 0.6 of the weight and 0.05 of the value.
        List<Result> results = List.of(
                result(0, 1, 0.6, 0.05, true),
                result(2, 2, 0.25, 0.55, false),
                result(1, 3, 0.1, 0.3, false),
                result(3, 4, 0.05, 0.1, false));
        ResultsPage page = new ResultsPage(q, new View.Head(1, 2), 4, 2.5, 1.0, results);
        assertFalse(page.renormalised());
        assertNull(page.sinksLeftOut());

        ResultsPage without = page.withoutSinks();
        assertTrue(without.renormalised());
        assertEquals(List.of(token(0)), without.sinksLeftOut().keys());
        assertEquals(0.6, without.sinksLeftOut().weight(), 1e-12);
        assertEquals(3, without.keys(), "the keys left");
        double[] expected = {0.25 / 0.4, 0.1 / 0.4, 0.05 / 0.4};
        double entropy = 0;
        for (int r = 0; r < 3; r++) {
            Result res = without.results().get(r);
            assertEquals(r + 1, res.rank());
            assertEquals(expected[r], res.weight(), 1e-12);
            assertFalse(res.sink());
            assertEquals(results.get(r + 1).valueShare() / 0.95, res.valueShare(), 1e-12);
            assertEquals(results.get(r + 1).valueNorm(), res.valueNorm(), 0, "value norms stay as the model computed them");
            assertEquals(results.get(r + 1).score(), res.score(), 0);
            entropy -= expected[r] * Math.log(expected[r]);
        }
        assertEquals(List.of(2, 1, 3), without.results().stream().map(r -> r.key().position()).toList());
        assertEquals(Math.exp(entropy), without.effectiveResults(), 1e-12);
        assertEquals(1.0, without.coveredWeight(), 1e-12);
        assertSame(without, without.withoutSinks(), "leaving out twice changes nothing");

        ResultsPage top2 = without.top(2);
        assertEquals(2, top2.results().size());
        assertEquals(3, top2.keys());
        assertEquals(expected[0] + expected[1], top2.coveredWeight(), 1e-12);
        assertTrue(top2.coveredWeight() <= 1);
        assertEquals(without.sinksLeftOut(), top2.sinksLeftOut());
        assertSame(without, without.top(0));

        var e = assertThrows(IllegalStateException.class, () -> page.top(2).withoutSinks());
        assertTrue(e.getMessage().contains("every key"), e.getMessage());
    }

    @Test
    void aPageWithoutSinksIsOnlyRelabelled() {
        List<Result> results = List.of(result(1, 1, 0.7, 0.7, false), result(0, 2, 0.3, 0.3, false));
        ResultsPage page = new ResultsPage(token(1), new View.Head(0, 0), 2, 1.8, 1.0, results);
        ResultsPage without = page.withoutSinks();
        assertEquals(List.of(), without.sinksLeftOut().keys());
        assertEquals(0, without.sinksLeftOut().weight());
        List<Double> weights = new ArrayList<>();
        for (Result r : without.results()) weights.add(r.weight());
        assertEquals(List.of(0.7, 0.3), weights);
        assertEquals(2, without.keys());
    }

    private static TokenRef token(int position) {
        return new TokenRef(position, 100 + position, "t" + position, -1, -1);
    }

    @Test
    void theRatiosOfSeveralKeysInOnePassAreEachKeysRatioToTheBit() {
        Random random = new Random(3);
        for (int trial = 0; trial < 200; trial++) {
            int keys = 1 + random.nextInt(40), from = random.nextInt(3);
            float[] w = new float[from + keys], norms = new float[keys], values = new float[from + keys];
            for (int k = 0; k < keys; k++) {
                w[from + k] = random.nextInt(4) == 0 ? 0f : random.nextFloat();
                norms[k] = random.nextFloat() * 3;
                values[from + k] = w[from + k] * norms[k]; // what Analysis.valueNorms holds for one head
            }
            int[] which = random.ints(1 + random.nextInt(Math.min(keys, 4)), 0, keys).distinct().sorted().toArray();
            double[] ratios = new double[which.length];
            Sinks.valueRatios(w, from, norms, 0, keys, which, which.length, ratios);
            for (int c = 0; c < which.length; c++) {
                double one = Sinks.valueRatio(w, values, from, keys, which[c]);
                assertEquals(Double.doubleToLongBits(one), Double.doubleToLongBits(ratios[c]), "trial " + trial + " key " + which[c]);
            }
        }
    }

    private static Result result(int key, int rank, double weight, double valueShare, boolean sink) {
        return new Result(token(key), rank, weight, 1.5 * key, 2 * valueShare, valueShare, new Snippet("", "t" + key, ""), sink);
    }
}
