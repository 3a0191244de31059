package org.attentionsearch.search;

/**
 * Attention sinks: keys where a query parks its attention without reading much there.
 * Softmax makes every row of weights sum to 1, so a head with nothing to look up must still
 * put its weight somewhere; trained models learn to put it on a key whose value is small —
 * the first token of a decoder (Xiao et al. 2023, Gu et al. 2024), [CLS], [SEP] and
 * punctuation in BERT (Clark et al. 2019, Kobayashi et al. 2020) — so that the head adds
 * almost nothing. Such a key tops the results page by weight, yet its value-norm column
 * shows how little it adds.
 * <p>
 * The rule, for query i and a visible key j under one view, with α the attention weight and
 * v_j what key j's value adds to the query (the value norm):
 * <pre>
 *   sink  ⇔  α_ij ≥ MIN_WEIGHT  and  ρ_ij &lt; MAX_VALUE_RATIO,
 *   ρ_ij = (v_j / α_ij) / (Σ_{k≠j} v_k / Σ_{k≠j} α_ik)
 * </pre>
 * ρ compares what key j adds per unit of weight with what the other keys add per unit of
 * theirs; for one head v_j = ‖α_ij f(x_j)‖, so ρ is ‖f(x_j)‖ over the other keys'
 * α-weighted mean ‖f(x_k)‖. The other keys, not the whole row, are the yardstick: a key
 * that takes nearly all the weight dominates the row's total even with a small value (at
 * α = 0.95 and a value ten times weaker than the rest it still holds two thirds of what the
 * head adds), and the sink the literature describes is exactly such a key.
 * <p>
 * For one head, α and v are the head's weight and ‖α f(x_j)‖. For a layer's blends, α is the
 * mean of the heads' weights and v the value-weighted blend's ‖Σ_h α^h f^h(x_j)‖, so the mean
 * and the value-weighted blend of a layer mark the same keys. Rollout marks none: it
 * multiplies weights through the layers and the residual path, and no value enters it.
 * Special tokens are keys like any other: BERT's [CLS] and [SEP] are the textbook sinks.
 */
public final class Sinks {

    /**
     * The least weight a sink takes: Gu et al. (2024) count a key as a head's sink when the
     * queries give it more than ε = 0.3 of their attention on average; here the weight of one
     * query's page.
     */
    public static final double MIN_WEIGHT = 0.3;

    /**
     * The most a sink adds per unit of weight, as a fraction of what the other keys add per
     * unit of theirs: under half. Kobayashi et al. (2020) find the transformed vectors ‖f(x)‖
     * of BERT's [CLS], [SEP] and punctuation small, the smaller the more weight a key draws;
     * Gu et al. (2024) find that the sink stores attention without adding to the values. On
     * all-MiniLM-L6-v2 the keys that take ≥ 0.3 of a head's weight have ρ ≈ 0.04 when they are
     * [CLS] and 1 – 2 when they are words, so a half leaves a wide margin on both sides.
     */
    public static final double MAX_VALUE_RATIO = 0.5;

    private Sinks() {
    }

    /** Whether a view marks sinks: one head and the blends of a layer do; rollout does not. */
    public static boolean marks(View view) {
        return !(view instanceof View.Rollout);
    }

    /** The rule on one key's weight α and value ratio ρ. */
    public static boolean isSink(double weight, double valueRatio) {
        return weight >= MIN_WEIGHT && valueRatio < MAX_VALUE_RATIO;
    }

    /**
     * ρ of key {@code from + j} among the keys {@code from … from + keys − 1} of one row; NaN when
     * the other keys hold no weight (a row of one key), so that there is nothing to compare with.
     */
    public static double valueRatio(float[] weight, float[] value, int from, int keys, int j) {
        double otherWeight = 0, otherValue = 0;
        for (int k = 0; k < keys; k++) {
            if (k == j) continue;
            otherWeight += Math.max(0f, weight[from + k]);
            otherValue += value[from + k];
        }
        double a = weight[from + j];
        if (!(otherWeight > 0) || !(a > 0)) return Double.NaN;
        return (value[from + j] / a) / (otherValue / otherWeight);
    }

    /**
     * ρ of several keys of one row at once, as {@link #valueRatio(float[], float[], int, int, int)} gives
     * each for one head, from the row's weights and the keys' ‖f(x_k)‖ ({@code norms} from
     * {@code normFrom}; value k is α_k‖f(x_k)‖, the float product {@link Analysis#valueNorms} holds),
     * to the bit (each key's sums are added in the same order), forming each value as it is read
     * instead of from an n×n array of them: {@code ratios[c]} for key {@code from + which[c]},
     * c &lt; count. A pass per key with its sums in registers: 4–5 times faster than one pass
     * keeping every key's sums in arrays, for one key (100 keys: 130 against 530–690 ns).
     */
    public static void valueRatios(float[] weight, int from, float[] norms, int normFrom, int keys, int[] which, int count,
                                   double[] ratios) {
        for (int c = 0; c < count; c++) {
            // The other keys in order, before and after this one: the same sums as one pass that skips it.
            double otherWeight = 0, otherValue = 0;
            for (int k = 0; k < keys; k++) {
                if (k == which[c]) continue;
                float w = weight[from + k];
                otherWeight += Math.max(0f, w);
                otherValue += w * norms[normFrom + k];
            }
            double a = weight[from + which[c]];
            float value = weight[from + which[c]] * norms[normFrom + which[c]];
            ratios[c] = !(otherWeight > 0) || !(a > 0) ? Double.NaN : (value / a) / (otherValue / otherWeight);
        }
    }

    /** The sink flags of one row's keys {@code from … from + keys − 1}. */
    public static boolean[] mark(float[] weight, float[] value, int from, int keys) {
        boolean[] sink = new boolean[keys];
        for (int j = 0; j < keys; j++) {
            // ρ costs a pass over the row; at most three keys take ≥ 0.3 of it.
            if (weight[from + j] >= MIN_WEIGHT) sink[j] = isSink(weight[from + j], valueRatio(weight, value, from, keys, j));
        }
        return sink;
    }

    /**
     * The sink flags of query {@code query}'s visible keys {@code first … first + keys − 1} under
     * a view, indexed from {@code first}; null where the view marks none.
     */
    static boolean[] of(Analysis a, View view, int query, int first, int keys) {
        int row = query * a.length() + first;
        return switch (view) {
            case View.Head h -> mark(a.weights(h), a.valueNorms(h), row, keys);
            case View.MeanBlend m -> layer(a, m.layer(), row, keys);
            case View.ValueBlend v -> layer(a, v.layer(), row, keys);
            case View.Rollout r -> null;
        };
    }

    private static boolean[] layer(Analysis a, int layer, int row, int keys) {
        return mark(a.weights(new View.MeanBlend(layer)), a.valueNorms(new View.ValueBlend(layer)), row, keys);
    }
}
