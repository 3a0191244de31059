package org.attentionsearch.search;

import java.util.Arrays;
import java.util.List;

import org.attentionsearch.math.Vectors;
import org.attentionsearch.model.HeadProjection;
import org.attentionsearch.model.KeyValueCache;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Trace;

/**
 * Results pages of the tokens a decoder reads one at a time: each from the step's own row of
 * weights and scores and the values in the key/value cache, never from a pass over the prefix.
 * What every key's value adds through each head, f^h(x_j) = v_j·W_O^h, is projected once per key
 * and kept, so a step costs O(n) like the step itself. The numbers are those of {@link Analysis}
 * for the same position of the whole text (same formulas; sums may round differently).
 */
final class StepPages {

    private final Model model;
    private final View view;
    private final KeyValueCache cache;
    private final int heads, d, hidden;
    /** The value-weighted blend: f^h(x_j) for every head, [heads][position·hidden]. */
    private float[][] projected;
    /** One head: ‖f^h(x_j)‖ per position. */
    private float[] norms;
    private int done;

    StepPages(Model model, View view, KeyValueCache cache) {
        if (view instanceof View.Rollout) {
            throw new IllegalArgumentException("rollout needs every layer's whole attention matrix, which a step does not have");
        }
        this.model = model;
        this.view = view;
        this.cache = cache;
        ModelConfig c = model.config();
        this.heads = c.heads();
        this.d = c.headSize();
        this.hidden = c.hiddenSize();
        this.projected = new float[heads][0];
        this.norms = new float[0];
    }

    View view() {
        return view;
    }

    /**
     * The page of the step's one new token, at position {@code query}, whose pass left its trace in
     * {@code step} (weights and scores [heads, 1, query+1]).
     */
    ResultsPage page(Trace step, List<TokenRef> tokens, String text, int query, int top) {
        int n = query + 1, layer = view.layer();
        float[] alpha = step.layer(layer, "attention.weights");
        if (alpha.length != heads * n) throw new IllegalStateException("the step's weights do not cover " + n + " keys");
        project(n);
        float[] w, s = null, v = null;
        boolean[] sinks;
        int first = model.attention(layer).mask().firstVisible(query), keys = n - first;
        switch (view) {
            case View.Head h -> {
                w = Arrays.copyOfRange(alpha, h.head() * n, (h.head() + 1) * n);
                s = Arrays.copyOfRange(step.layer(layer, "attention.scores"), h.head() * n, (h.head() + 1) * n);
                v = new float[n];
                for (int j = 0; j < n; j++) v[j] = w[j] * norms[j];
                sinks = Sinks.mark(w, v, first, keys);
            }
            case View.MeanBlend m -> {
                w = new float[n];
                for (int head = 0; head < heads; head++) {
                    for (int j = 0; j < n; j++) w[j] += alpha[head * n + j];
                }
                for (int j = 0; j < n; j++) w[j] /= heads;
                sinks = Sinks.mark(w, valueBlendNorms(alpha, n), first, keys);
            }
            case View.ValueBlend b -> {
                v = valueBlendNorms(alpha, n);
                double sum = 0;
                for (int j = 0; j < n; j++) sum += v[j];
                w = new float[n];
                for (int j = 0; j < n; j++) w[j] = sum > 0 ? (float) (v[j] / sum) : 0f;
                // Both blends mark what takes the heads' mean weight while adding little (see Sinks).
                float[] mean = new float[n];
                for (int head = 0; head < heads; head++) {
                    for (int j = 0; j < n; j++) mean[j] += alpha[head * n + j];
                }
                for (int j = 0; j < n; j++) mean[j] /= heads;
                sinks = Sinks.mark(mean, v, first, keys);
            }
            case View.Rollout r -> throw new AssertionError("refused when made");
        }
        return Analysis.rank(tokens, text, query, view, model.attention(layer).mask(), w, s, v, sinks, 0, n, top);
    }

    /** ‖Σ_h α^h_j f^h(x_j)‖ for every key j of the step's row. */
    private float[] valueBlendNorms(float[] alpha, int n) {
        float[] v = new float[n], u = new float[hidden];
        for (int j = 0; j < n; j++) {
            Arrays.fill(u, 0f);
            for (int head = 0; head < heads; head++) Vectors.axpy(alpha[head * n + j], projected[head], j * hidden, u, 0, hidden);
            v[j] = (float) Math.sqrt(Vectors.dot(u, 0, u, 0, hidden));
        }
        return v;
    }

    /** f^h(x_j) (or its norm, for one head) for the cached positions not yet projected. */
    private void project(int n) {
        if (done >= n) return;
        ModelConfig c = model.config();
        int layer = view.layer();
        var wo = model.attention(layer).outputWeight();
        float[] f = new float[hidden], value = new float[d];
        if (view instanceof View.Head h) {
            if (norms.length < n) norms = Arrays.copyOf(norms, Math.max(n, 2 * norms.length)); // doubling, only when full
            for (int j = done; j < n; j++) {
                cache.value(layer, j, c.kvHead(h.head()), value, 0);
                HeadProjection.project(value, 0, 1, d, wo, h.head(), f, 0);
                double sq = 0;
                for (float x : f) sq += (double) x * x;
                norms[j] = (float) Math.sqrt(sq);
            }
        } else {
            for (int head = 0; head < heads; head++) {
                if (projected[head].length < n * hidden) projected[head] = Arrays.copyOf(projected[head], Math.max(n, 2 * done) * hidden);
                for (int j = done; j < n; j++) {
                    cache.value(layer, j, c.kvHead(head), value, 0);
                    HeadProjection.project(value, 0, 1, d, wo, head, projected[head], j * hidden);
                }
            }
        }
        done = n;
    }
}
