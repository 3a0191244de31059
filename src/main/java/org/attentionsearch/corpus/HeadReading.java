package org.attentionsearch.corpus;

import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.AttentionMask;
import org.attentionsearch.model.Trace;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Sinks;
import org.attentionsearch.text.Tokenizer;

/**
 * What the index and the head statistics read from one analysed text's heads, in one pass over
 * each row of attention weights, straight from the trace: every query's contribution to the
 * {@link HeadSums} of every layer, and its {@link HeadSummary} at the indexed layers.
 *
 * <p>The numbers are those of the pages ({@link Analysis#weights}, {@link Analysis#valueNorms},
 * {@link Sinks}) summed in the same order, without what the pages build on the way: no copy of
 * a head's weights, no n×n value norms (key j's value norm α_ij‖f(x_j)‖ is formed where it is
 * read), and no [heads, n, H] projections, whose norms alone are needed ({@link ValueSpaceNorms}:
 * equal to those of the products to within the products' float rounding). Heads are read on
 * all threads, each writing only its own sums.
 */
final class HeadReading {

    private HeadReading() {
    }

    /**
     * Reads analysis {@code a} (whose trace keeps its weights): adds each of its queries to
     * {@code sums} (every layer; null for none) and returns the summaries of {@code layers},
     * [x][query][head] for layers[x].
     */
    static HeadSummary[][][] read(Analysis a, Tokenizer tokenizer, HeadSums sums, int[] layers) {
        if (sums != null) sums.check(a.config());
        int n = a.length(), heads = a.config().heads(), count = a.config().layers(), d = a.config().headSize();
        int[] ids = new int[n];
        for (int j = 0; j < n; j++) ids[j] = a.tokens().get(j).id();
        // The few keys a query's duplicate and special sums add up, ascending, so that a row adds
        // the same weights in the same order as a pass over all of it would, without the pass.
        int[] specials = java.util.stream.IntStream.range(0, n).filter(j -> tokenizer.isSpecial(ids[j])).toArray();
        int[][] duplicates = duplicates(ids);
        int[] summarised = new int[count]; // layer → its index in layers, plus one; 0 when not summarised
        for (int x = 0; x < layers.length; x++) summarised[layers[x]] = x + 1;
        int[] read = java.util.stream.IntStream.range(0, count).filter(l -> sums != null || summarised[l] > 0).toArray();

        // The norms first, on all threads: ‖f^h(x_j)‖ of every key, and ‖z_i^h W_O^h‖ of every query for the value share.
        Trace trace = a.trace();
        ValueSpaceNorms norms = ValueSpaceNorms.of(a.model());
        float[][][] keyNorms = new float[count][heads][];
        double[][][] shares = new double[count][heads][];
        Parallel.forEach(read.length * heads, task -> {
            int l = read[task / heads], h = task % heads;
            double[] gram = norms.grams(l)[h];
            double[] f = new double[n];
            ValueSpaceNorms.norms(gram, d, trace.layer(l, "attention.value"), a.config().kvHead(h) * n * d, n, f, 0);
            float[] fNorm = new float[n];
            for (int j = 0; j < n; j++) fNorm[j] = (float) f[j];
            keyNorms[l][h] = fNorm;
            if (sums != null) {
                double[] share = new double[n];
                ValueSpaceNorms.norms(gram, d, trace.layer(l, "attention.head_outputs"), h * n * d, n, share, 0);
                shares[l][h] = share;
            }
        });
        double[][] totals = new double[count][];
        if (sums != null) {
            for (int l : read) {
                double[] total = new double[n];
                for (int h = 0; h < heads; h++) for (int i = 0; i < n; i++) total[i] += shares[l][h][i];
                totals[l] = total;
            }
        }

        HeadSummary[][][] out = new HeadSummary[layers.length][n][heads];
        Parallel.forEach(read.length * heads, task -> {
            int l = read[task / heads], h = task % heads;
            float[] w = trace.layer(l, "attention.weights"); // [heads, n, n]
            AttentionMask mask = a.model().attention(l).mask();
            float[] fNorm = keyNorms[l][h];
            HeadSummary[][] summaries = summarised[l] > 0 ? out[summarised[l] - 1] : null;
            int[] heavy = new int[4];
            double[] ratios = new double[4];
            for (int i = 0; i < n; i++) {
                int first = mask.firstVisible(i), keys = mask.visibleKeys(i, n), row = (h * n + i) * n;
                double effective = Analysis.effectiveResults(w, row + first, keys);
                // The top key, and the keys that may be sinks (those that take ≥ MIN_WEIGHT of the row, at most three), in one pass; their ρ in another.
                int heavyKeys = 0, top = first;
                for (int j = first; j < first + keys; j++) {
                    float wj = w[row + j];
                    if (wj > w[row + top]) top = j;
                    if (wj >= Sinks.MIN_WEIGHT) {
                        if (heavyKeys == heavy.length) {
                            heavy = java.util.Arrays.copyOf(heavy, 2 * heavyKeys);
                            ratios = new double[2 * heavyKeys];
                        }
                        heavy[heavyKeys++] = j - first;
                    }
                }
                if (heavyKeys > 0) Sinks.valueRatios(w, row + first, fNorm, first, keys, heavy, heavyKeys, ratios);
                if (summaries != null) {
                    boolean sink = false; // a key under MIN_WEIGHT is no sink
                    for (int c = 0; c < heavyKeys; c++) if (heavy[c] == top - first) sink = Sinks.isSink(w[row + top], ratios[c]);
                    summaries[i][h] = new HeadSummary(top - i, ids[top], (float) Math.log(effective), sink);
                }
                if (sums == null) continue;
                sums.add(l, h, HeadSums.Stat.EFFECTIVE, effective);
                if (i >= 1) sums.add(l, h, HeadSums.Stat.PREVIOUS, w[row + i - 1]);
                sums.add(l, h, HeadSums.Stat.FIRST, first == 0 ? w[row] : 0);
                double duplicate = 0, specialWeight = 0, sinkWeight = 0;
                for (int j : duplicates[i]) if (j >= first && j < first + keys) duplicate += w[row + j];
                for (int j : specials) if (j >= first && j < first + keys) specialWeight += w[row + j];
                for (int c = 0; c < heavyKeys; c++) {
                    float wj = w[row + first + heavy[c]];
                    if (Sinks.isSink(wj, ratios[c])) sinkWeight += wj;
                }
                sums.add(l, h, HeadSums.Stat.DUPLICATE, duplicate);
                sums.add(l, h, HeadSums.Stat.SPECIAL, specialWeight);
                sums.add(l, h, HeadSums.Stat.SINKS, sinkWeight);
                double total = totals[l][i];
                sums.add(l, h, HeadSums.Stat.VALUE_SHARE, total > 0 ? shares[l][h][i] / total : 0);
            }
        });
        if (sums != null) sums.counted(n);
        return out;
    }

    /** For each position, the other positions holding the same token id, ascending (mostly none). */
    static int[][] duplicates(int[] ids) {
        java.util.Map<Integer, java.util.List<Integer>> at = new java.util.HashMap<>();
        for (int j = 0; j < ids.length; j++) at.computeIfAbsent(ids[j], id -> new java.util.ArrayList<>()).add(j);
        int[][] out = new int[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            int self = i;
            out[i] = at.get(ids[i]).stream().mapToInt(Integer::intValue).filter(j -> j != self).toArray();
        }
        return out;
    }
}
