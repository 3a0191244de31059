package org.attentionsearch.math;

/**
 * The softmax of one row of raw scores s_j, fed in blocks and never held whole (Milakov &amp;
 * Gimelshein 2018): a running maximum m and, rescaled by e^{m − m'} whenever m grows to m',
 * <pre>
 *   Z = Σ_j e^{s_j − m}                 logsumexp = m + ln Z,   α_j = e^{s_j − m} / Z
 *   T = Σ_j e^{s_j − m} (s_j − m)       H = −Σ α_j ln α_j = ln Z − T / Z   (T' = e^{m − m'} (T − (m' − m) Z))
 *   U = Σ_j e^{s_j − m} u_j             Σ_j α_j u_j = U / Z   for an optional per-key quantity u
 * </pre>
 * and the k largest scores with their keys ({@link TopKeys}), whose weights come out exact:
 * α_j = e^{s_j − m} / Z at the end. Memory is O(k) whatever the row's length. Scores are finite
 * or −∞ (a masked key, weight 0); everything is summed in double. Keeping T relative to the
 * running maximum keeps the entropy free of cancellation even for huge scores.
 */
public final class OnlineSoftmax {

    private final TopKeys top;
    private double max = Double.NEGATIVE_INFINITY;
    private double sum, shiftedScores, quantity;
    private int count;

    /** Keeps the {@code k} (≥ 0) largest scores. */
    public OnlineSoftmax(int k) {
        this.top = new TopKeys(k);
    }

    /** Forgets every score, to start a new row. */
    public void clear() {
        top.clear();
        max = Double.NEGATIVE_INFINITY;
        sum = shiftedScores = quantity = 0;
        count = 0;
    }

    /** Scores s[off … off+len) of keys firstKey … firstKey+len−1. */
    public void add(float[] s, int off, int len, int firstKey) {
        add(s, off, len, firstKey, null, 0);
    }

    /**
     * As {@link #add(float[], int, int, int)}, with u[uOff + j] the per-key quantity of the
     * block's j-th key, whose α-weighted sum {@link #weightedMean()} returns (null for none).
     */
    public void add(float[] s, int off, int len, int firstKey, float[] u, int uOff) {
        float blockMax = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) blockMax = Math.max(blockMax, s[off + j]);
        if (blockMax == Float.NEGATIVE_INFINITY) return; // every key of the block is masked
        if (blockMax > max) {
            if (count > 0) {
                double shift = blockMax - max, scale = Math.exp(-shift);
                shiftedScores = scale * (shiftedScores - shift * sum);
                sum *= scale;
                quantity *= scale;
            }
            max = blockMax;
        }
        for (int j = 0; j < len; j++) {
            float score = s[off + j];
            if (score == Float.NEGATIVE_INFINITY) continue;
            double x = score - max, e = Math.exp(x);
            sum += e;
            shiftedScores += e * x;
            if (u != null) quantity += e * u[uOff + j];
            count++;
            top.offer(firstKey + j, score);
        }
    }

    /** Keys seen with a finite score. */
    public int count() {
        return count;
    }

    /** ln Σ_j e^{s_j}; −∞ for a row with no visible key. */
    public double logSumExp() {
        return count == 0 ? Double.NEGATIVE_INFINITY : max + Math.log(sum);
    }

    /** α = e^{s − logsumexp} of a score of this row. */
    public double weight(double score) {
        return count == 0 ? 0 : Math.exp(score - max) / sum;
    }

    /** H(α) = −Σ α_j ln α_j in nats; 0 for a row of one key (or none). */
    public double entropy() {
        return count == 0 ? 0 : Math.max(0, Math.log(sum) - shiftedScores / sum);
    }

    /** exp(H(α)): how many keys the row really weighs (see Analysis.effectiveResults). */
    public double effectiveResults() {
        return Math.exp(entropy());
    }

    /** Σ_j α_j u_j over the per-key quantities given; 0 when none were. */
    public double weightedMean() {
        return count == 0 ? 0 : quantity / sum;
    }

    /** The k largest scores' keys, best first; ties by lower key. */
    public int[] topKeys() {
        return top.keys();
    }

    /** Their scores, matching {@link #topKeys()}. */
    public double[] topScores() {
        return top.values();
    }
}
