package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.attentionsearch.math.OnlineSoftmax;
import org.attentionsearch.math.WeightMatrix;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.math.TopKeys;
import org.attentionsearch.model.AttentionMask;
import org.attentionsearch.model.HeadProjection;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Trace;
import org.attentionsearch.model.blocks.Attention;

/**
 * The results pages of an analysis whose trace keeps no attention weights: each query's
 * scores are recomputed from the traced q and k, by the forward pass's own scoring code (so
 * to the bit), a block of queries at a time, and never kept whole. Exact, in memory that
 * grows with n, not n²:
 * <ul>
 * <li>a head: the keys' scores go block by block through an {@link OnlineSoftmax}, which gives
 *     the exact weights α_ij = exp(s_ij − logsumexp_i) of the top k, the row's entropy, and
 *     Σ_j α_ij ‖f(x_j)‖ for the value shares;</li>
 * <li>a blend of a layer's heads: each head's logsumexp over the query's row first, then every
 *     key's mean weight ᾱ_ij = (1/H) Σ_h α^h_ij, or value-weighted norm ‖Σ_h α^h_ij f^h(x_j)‖ =
 *     √(α_ijᵀ G_j α_ij) with G_j the Gram matrix ⟨f^h(x_j), f^h'(x_j)⟩ of key j's value vectors
 *     (heads² numbers per key instead of a hidden-width vector per query and key).</li>
 * </ul>
 * The pages show the same numbers as a full analysis's, summed in double where the full one
 * sums in float, and rank keys by score (a head) or by weight in double (a blend).
 */
final class StreamedPages {

    /** Keys scored at once for a head's block of queries. */
    private static final int KEYS = 1024;
    /** Scores held at once for a blend's block of queries, every head's row: 8 MB. */
    private static final int BLEND_SCORES = 2 << 20;
    /** Keys projected through W_O at once. */
    private static final int PROJECTED = 256;

    /** Per-thread scratch for a blend's block of score rows: reused, as a fresh one each block would be a large allocation each time. */
    private static final ThreadLocal<float[]> BLEND_SCRATCH = ThreadLocal.withInitial(() -> new float[0]);

    private final Analysis analysis;
    private final Trace trace;
    private final ModelConfig config;
    private final int n;

    StreamedPages(Analysis analysis) {
        this.analysis = analysis;
        this.trace = analysis.trace();
        this.config = analysis.config();
        this.n = analysis.length();
    }

    /** One query's page (top ≥ 1; the view checked, not rollout). */
    ResultsPage page(View view, int query, int top) {
        prepare(view);
        return block(view, query, 1, top).getFirst();
    }

    /** Every query's page, blocks of queries side by side. */
    List<ResultsPage> pages(View view, int top) {
        prepare(view);
        int rows = rowsPerBlock(view), blocks = (n + rows - 1) / rows;
        ResultsPage[] out = new ResultsPage[n];
        // A decoder's later queries see more keys: pair the cheapest block with the dearest.
        Parallel.forEach(blocks, t -> {
            int b = t % 2 == 0 ? t / 2 : blocks - 1 - t / 2, i0 = b * rows, count = Math.min(rows, n - i0);
            List<ResultsPage> pages = block(view, i0, count, top);
            for (int r = 0; r < count; r++) out[i0 + r] = pages.get(r);
        });
        return List.of(out);
    }

    private int rowsPerBlock(View view) {
        if (view instanceof View.Head) return org.attentionsearch.math.AttentionKernel.ROWS;
        long perRow = (long) config.heads() * n;
        return (int) Math.max(1, Math.min(org.attentionsearch.math.AttentionKernel.ROWS, BLEND_SCORES / perRow));
    }

    /** What every block reads, computed once before the blocks run side by side. */
    private void prepare(View view) {
        int l = view.layer();
        for (int g = 0; g < config.kvHeads(); g++) keysT(l, g);
        switch (view) {
            case View.Head h -> valueVectorNorms(l, h.head());
            case View.ValueBlend v -> gram(l);
            case View.MeanBlend m -> gram(l); // the sink rule weighs the mean against the value blend
            default -> { }
        }
    }

    private List<ResultsPage> block(View view, int i0, int rows, int top) {
        return switch (view) {
            case View.Head h -> headBlock(h, i0, rows, top);
            case View.MeanBlend m -> blendBlock(m, m.layer(), false, i0, rows, top);
            case View.ValueBlend v -> blendBlock(v, v.layer(), true, i0, rows, top);
            case View.Rollout r -> throw new IllegalStateException("rollout is never streamed");
        };
    }

    /** Pages of queries i0 … i0+rows−1 under one head: scores in blocks of keys through one OnlineSoftmax per query. */
    private List<ResultsPage> headBlock(View.Head view, int i0, int rows, int top) {
        int l = view.layer(), h = view.head();
        Attention attention = analysis.model().attention(l);
        AttentionMask mask = attention.mask();
        float[] q = trace.layer(l, "attention.query"), keysT = keysT(l, config.kvHead(h));
        float[] fNorm = valueVectorNorms(l, h);
        OnlineSoftmax[] rowsSoFar = new OnlineSoftmax[rows];
        for (int r = 0; r < rows; r++) rowsSoFar[r] = new OnlineSoftmax(Math.min(top, n));
        int first = mask.firstVisible(i0), end = mask.endVisible(i0 + rows - 1, n);
        float[] scores = new float[rows * KEYS];
        for (int j0 = first; j0 < end; j0 += KEYS) {
            int keys = Math.min(KEYS, end - j0);
            attention.scores(q, h, i0, rows, keysT, n, j0, keys, scores, 0, KEYS);
            for (int r = 0; r < rows; r++) rowsSoFar[r].add(scores, r * KEYS, keys, j0, fNorm, j0);
        }
        List<ResultsPage> pages = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            OnlineSoftmax row = rowsSoFar[r];
            int[] ids = row.topKeys();
            double[] s = row.topScores();
            double valueTotal = row.weightedMean(); // Σ_j α_ij ‖f(x_j)‖
            List<Result> results = new ArrayList<>(ids.length);
            double covered = 0;
            for (int x = 0; x < ids.length; x++) {
                int j = ids[x];
                double w = row.weight(s[x]), vn = w * fNorm[j];
                covered += w;
                // ρ_j = ‖f(x_j)‖ / (Σ_{k≠j} α_k ‖f(x_k)‖ / Σ_{k≠j} α_k), the others' sums from the row's totals (see Sinks)
                boolean sink = w >= Sinks.MIN_WEIGHT && w < 1
                        && Sinks.isSink(w, fNorm[j] / ((valueTotal - vn) / (1 - w)));
                results.add(result(j, x + 1, w, s[x], vn, vn / valueTotal, sink));
            }
            int query = i0 + r;
            pages.add(new ResultsPage(analysis.tokens().get(query), view, mask.visibleKeys(query, n),
                    row.effectiveResults(), covered, List.copyOf(results)));
        }
        return pages;
    }

    /**
     * Pages of queries i0 … i0+rows−1 under a blend of layer l's heads: every head's score rows
     * for the block [heads × rows × span], each row's logsumexp, then key by key the blend's
     * weight (the mean of the heads' α, or the value-weighted norm normalised over the row).
     */
    private List<ResultsPage> blendBlock(View view, int l, boolean valueWeighted, int i0, int rows, int top) {
        int heads = config.heads();
        Attention attention = analysis.model().attention(l);
        AttentionMask mask = attention.mask();
        float[] q = trace.layer(l, "attention.query");
        int first = mask.firstVisible(i0), span = mask.endVisible(i0 + rows - 1, n) - first;
        float[] s = BLEND_SCRATCH.get();
        if (s.length < heads * rows * span) BLEND_SCRATCH.set(s = new float[heads * rows * span]);
        double[] lse = new double[heads * rows];
        OnlineSoftmax normaliser = new OnlineSoftmax(0);
        for (int h = 0; h < heads; h++) {
            attention.scores(q, h, i0, rows, keysT(l, config.kvHead(h)), n, first, span, s, h * rows * span, span);
            for (int r = 0; r < rows; r++) {
                normaliser.clear();
                normaliser.add(s, (h * rows + r) * span, span, first);
                lse[h * rows + r] = normaliser.logSumExp();
            }
        }
        double[] gram = gram(l);
        int pairs = heads * (heads + 1) / 2;
        double[] alpha = new double[heads];
        List<ResultsPage> pages = new ArrayList<>(rows);
        for (int r = 0; r < rows; r++) {
            int query = i0 + r;
            TopKeys best = new TopKeys(Math.min(top, n));
            double total = 0, totalLogs = 0; // Σ w and Σ w ln w over the row
            double valueTotal = 0; // Σ_j ‖Σ_h α^h_ij f^h(x_j)‖, for the sink rule
            java.util.Map<Integer, double[]> heavy = new java.util.HashMap<>(); // keys with a mean weight ≥ the sink threshold
            for (int j = mask.firstVisible(query); j < mask.endVisible(query, n); j++) {
                for (int h = 0; h < heads; h++) alpha[h] = Math.exp(s[(h * rows + r) * span + j - first] - lse[h * rows + r]);
                double sq = 0; // ‖Σ_h α_h f^h‖² = Σ_h Σ_h' α_h α_h' G_hh'
                for (int h = 0, p = j * pairs; h < heads; h++) {
                    sq += alpha[h] * alpha[h] * gram[p++];
                    for (int h2 = h + 1; h2 < heads; h2++) sq += 2 * alpha[h] * alpha[h2] * gram[p++];
                }
                double valueNorm = Math.sqrt(Math.max(0, sq)), sum = 0;
                for (int h = 0; h < heads; h++) sum += alpha[h];
                double mean = sum / heads, w = valueWeighted ? valueNorm : mean;
                valueTotal += valueNorm;
                if (mean >= Sinks.MIN_WEIGHT) heavy.put(j, new double[] {mean, valueNorm});
                best.offer(j, w);
                total += w;
                if (w > 0) totalLogs += w * Math.log(w);
            }
            // Weights normalised over the row (a mean of softmaxes already sums to 1): H = ln S − Σ w ln w / S.
            double entropy = total > 0 ? Math.max(0, Math.log(total) - totalLogs / total) : 0;
            int[] ids = best.keys();
            double[] ws = best.values();
            List<Result> results = new ArrayList<>(ids.length);
            double covered = 0;
            for (int x = 0; x < ids.length; x++) {
                double weight = valueWeighted ? ws[x] / total : ws[x];
                covered += weight;
                // Both blends: the heads' mean weight against the value blend's norms (see Sinks).
                double[] h = heavy.get(ids[x]);
                boolean sink = h != null && h[0] < 1 && Sinks.isSink(h[0], (h[1] / h[0]) / ((valueTotal - h[1]) / (1 - h[0])));
                results.add(valueWeighted ? result(ids[x], x + 1, weight, Double.NaN, ws[x], ws[x] / total, sink)
                        : result(ids[x], x + 1, weight, Double.NaN, Double.NaN, Double.NaN, sink));
            }
            pages.add(new ResultsPage(analysis.tokens().get(query), view, mask.visibleKeys(query, n),
                    Math.exp(entropy), covered, List.copyOf(results)));
        }
        return pages;
    }

    private Result result(int key, int rank, double weight, double score, double valueNorm, double valueShare, boolean sink) {
        TokenRef token = analysis.tokens().get(key);
        return new Result(token, rank, weight, score, valueNorm, valueShare, Snippet.of(analysis.text(), token), sink);
    }

    /** Key head g of layer l, transposed [d × n]. */
    private float[] keysT(int l, int g) {
        return analysis.cached(List.of("streamed.keysT", l, g), () -> analysis.model().attention(l).transposedKeys(trace.layer(l, "attention.key"), g, n));
    }

    /** ‖f^h(x_j)‖ per key j, f^h(x_j) = v_j · W_O^h, projected a block of keys at a time (as Analysis does whole). */
    private float[] valueVectorNorms(int l, int head) {
        return analysis.cached(List.of("streamed.fNorm", l, head), () -> {
            int d = config.headSize(), hidden = config.hiddenSize();
            float[] v = trace.layer(l, "attention.value");
            WeightMatrix wo = analysis.model().attention(l).outputWeight();
            float[] out = new float[n];
            Parallel.forEach((n + PROJECTED - 1) / PROJECTED, b -> {
                int j0 = b * PROJECTED, count = Math.min(PROJECTED, n - j0);
                float[] f = new float[count * hidden];
                HeadProjection.project(v, (config.kvHead(head) * n + j0) * d, count, d, wo, head, f, 0);
                for (int j = 0; j < count; j++) {
                    double s = 0;
                    for (int x = 0; x < hidden; x++) s += (double) f[j * hidden + x] * f[j * hidden + x];
                    out[j0 + j] = (float) Math.sqrt(s);
                }
            });
            return out;
        });
    }

    /**
     * G_j = ⟨f^h(x_j), f^h'(x_j)⟩ for every key j and pair of heads h ≤ h' (row by row of the
     * upper triangle), in double: n · heads(heads+1)/2 numbers for the layer.
     */
    private double[] gram(int l) {
        return analysis.cached(List.of("streamed.gram", l), () -> {
            int heads = config.heads(), d = config.headSize(), hidden = config.hiddenSize(), pairs = heads * (heads + 1) / 2;
            float[] v = trace.layer(l, "attention.value");
            WeightMatrix wo = analysis.model().attention(l).outputWeight();
            double[] out = new double[Math.multiplyExact(n, pairs)];
            Parallel.forEach((n + PROJECTED - 1) / PROJECTED, b -> {
                int j0 = b * PROJECTED, count = Math.min(PROJECTED, n - j0);
                float[] f = new float[heads * count * hidden]; // [head][key][hidden]
                for (int h = 0; h < heads; h++) {
                    HeadProjection.project(v, (config.kvHead(h) * n + j0) * d, count, d, wo, h, f, h * count * hidden);
                }
                for (int j = 0; j < count; j++) {
                    int p = (j0 + j) * pairs;
                    for (int h = 0; h < heads; h++) {
                        for (int h2 = h; h2 < heads; h2++) {
                            int a = (h * count + j) * hidden, c = (h2 * count + j) * hidden;
                            double dot = 0;
                            for (int x = 0; x < hidden; x++) dot += (double) f[a + x] * f[c + x];
                            out[p++] = dot;
                        }
                    }
                }
            });
            return out;
        });
    }
}
