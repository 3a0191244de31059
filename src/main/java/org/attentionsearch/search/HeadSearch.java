package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.attentionsearch.model.AttentionMask;
import org.attentionsearch.model.HeadProjection;
import org.attentionsearch.model.ModelConfig;

/**
 * "Which heads make X find Y?": every layer and head of the model ranked by the attention
 * weight that query token X gives key token Y — the search turned around, from one head's
 * results to one result's heads. Each head is also scored by what Y's value adds to X through
 * it, ‖α_XY f^h(x_Y)‖, and by where Y stands on X's page under it.
 */
public final class HeadSearch {

    /**
     * One head's link from X to Y.
     *
     * @param weight    α_XY, the head's attention weight from X to Y
     * @param score     s_XY = q_X·k_Y/√d before the softmax
     * @param valueNorm ‖α_XY f^h(x_Y)‖ with f^h(x_Y) = v_Y W_O^h: what Y's value adds to X through this head
     * @param rank      1 for the head that gives Y the most weight (ties by layer, then head)
     * @param pageRank  where Y stands on X's results page under this head (1 = X's top result)
     */
    public record Hit(int layer, int head, double weight, double score, double valueNorm, int rank, int pageRank) {
    }

    /** Every head's link from {@code query} to {@code key}, heaviest first; {@code heads} lists all of them. */
    public record Page(TokenRef query, TokenRef key, List<Hit> heads) {
    }

    private HeadSearch() {
    }

    /**
     * Ranks every layer and head by the weight from {@code query} to {@code key}. The key must be
     * one the query sees (a decoder's query sees only keys at or before it).
     */
    public static Page of(Analysis a, int query, int key) {
        int n = a.length();
        check(query, n, "query");
        check(key, n, "key");
        ModelConfig c = a.config();
        int d = c.headSize(), hidden = c.hiddenSize();
        List<Hit> hits = new ArrayList<>(c.layers() * c.heads());
        float[] f = new float[hidden];
        for (int layer = 0; layer < c.layers(); layer++) {
            AttentionMask mask = a.model().attention(layer).mask();
            int first = mask.firstVisible(query), end = mask.endVisible(query, n);
            if (key < first || key >= end) {
                throw new IllegalArgumentException("token " + query + " cannot see token " + key + " in layer " + layer
                        + ": its query sees keys " + first + ".." + (end - 1));
            }
            float[] values = a.trace().layer(layer, "attention.value"); // [kvHeads, n, d]
            var wo = a.model().attention(layer).outputWeight();
            for (int head = 0; head < c.heads(); head++) {
                float[] scores = a.scoreRow(layer, head, query);
                float[] weights = weightRow(a, layer, head, query, scores, first, end);
                HeadProjection.project(values, (c.kvHead(head) * n + key) * d, 1, d, wo, head, f, 0);
                double fNorm = 0;
                for (float x : f) fNorm += (double) x * x;
                double alpha = weights[key];
                hits.add(new Hit(layer, head, alpha, scores[key], alpha * Math.sqrt(fNorm), 0,
                        pageRank(weights, first, end, key)));
            }
        }
        // Heaviest first; equal weights in model order, as a page orders equal weights by position.
        hits.sort(Comparator.comparingDouble((Hit h) -> -h.weight()).thenComparingInt(Hit::layer).thenComparingInt(Hit::head));
        List<Hit> ranked = new ArrayList<>(hits.size());
        for (int r = 0; r < hits.size(); r++) {
            Hit h = hits.get(r);
            ranked.add(new Hit(h.layer(), h.head(), h.weight(), h.score(), h.valueNorm(), r + 1, h.pageRank()));
        }
        return new Page(a.tokens().get(query), a.tokens().get(key), List.copyOf(ranked));
    }

    /** The head's weights of one query row: the trace's own, or for streamed pages the softmax of the scores. */
    private static float[] weightRow(Analysis a, int layer, int head, int query, float[] scores, int first, int end) {
        int n = a.length();
        float[] w = new float[n];
        if (!a.streamed()) {
            System.arraycopy(a.trace().layer(layer, "attention.weights"), (head * n + query) * n, w, 0, n);
            return w;
        }
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = first; j < end; j++) max = Math.max(max, scores[j]);
        for (int j = first; j < end; j++) sum += Math.exp(scores[j] - max);
        for (int j = first; j < end; j++) w[j] = (float) (Math.exp(scores[j] - max) / sum);
        return w;
    }

    /** 1 + the visible keys that outweigh the key, or weigh the same and stand before it (a page's order). */
    private static int pageRank(float[] w, int first, int end, int key) {
        int rank = 1;
        for (int j = first; j < end; j++) {
            if (w[j] > w[key] || (w[j] == w[key] && j < key)) rank++;
        }
        return rank;
    }

    private static void check(int index, int n, String what) {
        if (index < 0 || index >= n) {
            throw new IllegalArgumentException(what + " token " + index + " is out of range 0.." + (n - 1));
        }
    }
}
