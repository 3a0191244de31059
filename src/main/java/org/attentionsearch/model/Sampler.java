package org.attentionsearch.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits. Greedy (the largest logit, ties to the lower id) at
 * temperature 0; otherwise, in this order (as llama.cpp and Hugging Face apply them):
 * <pre>
 *   z_t = logit_t / T                          temperature
 *   keep the k largest z                       top-k (k = 0 keeps all)
 *   p_t = softmax(z) over what is kept
 *   keep the smallest head of the ranking whose p sums to at least P     top-p (P = 1 keeps all)
 *   draw t with probability p_t / Σ kept p
 * </pre>
 * The draws come from a {@link SplittableRandom} seeded once, so a seed repeats a generation.
 * Not thread-safe: one per generation.
 */
public final class Sampler {

    /**
     * @param temperature 0 for greedy, else &gt; 0
     * @param topK        how many of the best tokens stay candidates; 0 for all
     * @param topP        the probability mass the candidates keep, in (0, 1]
     * @param seed        the random stream's seed
     */
    public record Settings(double temperature, int topK, double topP, long seed) {
        public Settings {
            if (!(temperature >= 0) || Double.isInfinite(temperature)) {
                throw new IllegalArgumentException("the temperature must be 0 (greedy) or a positive number, not " + temperature);
            }
            if (topK < 0) throw new IllegalArgumentException("top-k must be 0 (all tokens) or more, not " + topK);
            if (!(topP > 0 && topP <= 1)) throw new IllegalArgumentException("top-p must be more than 0 and at most 1, not " + topP);
        }

        public static Settings greedy() {
            return new Settings(0, 0, 1, 0);
        }

        public boolean isGreedy() {
            return temperature == 0;
        }
    }

    private final Settings settings;
    private final SplittableRandom random;

    public Sampler(Settings settings) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
    }

    public Settings settings() {
        return settings;
    }

    /** The next token from logits[from … from+v). */
    public int next(float[] logits, int from, int v) {
        if (settings.isGreedy()) return argmax(logits, from, v);
        Candidates c = candidates(logits, from, v, settings);
        double u = random.nextDouble() * c.total();
        double cumulative = 0;
        for (int r = 0; r < c.ids().length; r++) {
            cumulative += c.weights()[r];
            if (u < cumulative) return c.ids()[r];
        }
        return c.ids()[c.ids().length - 1]; // u fell in the last rounding gap
    }

    /** The largest logit's id, the lowest such id on ties. */
    public static int argmax(float[] logits, int from, int v) {
        int best = 0;
        for (int t = 1; t < v; t++) {
            if (logits[from + t] > logits[from + best]) best = t;
        }
        return best;
    }

    /** The tokens a draw chooses among, best first, with unnormalised weights summing to {@code total}. */
    public record Candidates(int[] ids, double[] weights, double total) {

        /** The probability of each candidate (weights / total). */
        public double probability(int rank) {
            return weights[rank] / total;
        }
    }

    /** What temperature, top-k and top-p leave of one row of logits (not for greedy settings). */
    public static Candidates candidates(float[] logits, int from, int v, Settings s) {
        int[] order = ranking(logits, from, v);
        int kept = s.topK() == 0 ? v : Math.min(s.topK(), v);
        double max = logits[from + order[0]] / s.temperature();
        double[] weights = new double[kept];
        double sum = 0;
        for (int r = 0; r < kept; r++) {
            weights[r] = Math.exp(logits[from + order[r]] / s.temperature() - max);
            sum += weights[r];
        }
        if (s.topP() < 1) {
            double cumulative = 0;
            int r = 0;
            while (r < kept) {
                cumulative += weights[r++];
                if (cumulative >= s.topP() * sum) break;
            }
            kept = r;
        }
        double total = 0;
        for (int r = 0; r < kept; r++) total += weights[r];
        return new Candidates(Arrays.copyOf(order, kept), Arrays.copyOf(weights, kept), total);
    }

    /**
     * Ids by descending logit, ties to the lower id: one primitive sort of (logit bits made to
     * order like the floats, id) pairs.
     */
    private static int[] ranking(float[] logits, int from, int v) {
        long[] keys = new long[v];
        for (int t = 0; t < v; t++) {
            int bits = Float.floatToIntBits(logits[from + t]);
            int ordered = bits ^ ((bits >> 31) & 0x7fffffff); // negative floats reversed, so ints order like the floats
            keys[t] = ((long) ordered << 32) | (v - 1 - t);
        }
        Arrays.sort(keys);
        int[] order = new int[v];
        for (int r = 0; r < v; r++) order[r] = v - 1 - (int) (keys[v - 1 - r] & 0xffffffffL);
        return order;
    }
}
