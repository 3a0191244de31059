package org.attentionsearch.corpus;

import java.util.ArrayList;
import java.util.List;

import org.attentionsearch.model.AttentionMask;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Sinks;
import org.attentionsearch.search.TokenRef;
import org.attentionsearch.search.View;

/** The occurrences of one analysed document: each token's vectors and head summaries at the chosen layers. */
public final class Contexts {

    private Contexts() {
    }

    /** The residual stream leaving {@code layer} at token {@code position} (layer L as {@code explain} numbers it). */
    public static float[] vector(Analysis a, int layer, int position) {
        int h = a.config().hiddenSize();
        float[] residual = a.trace().layer(layer, "residual_out");
        return java.util.Arrays.copyOfRange(residual, position * h, (position + 1) * h);
    }

    public static List<Occurrence> of(Analysis a, int doc, int[] layers) {
        int n = a.length(), heads = a.config().heads(), hidden = a.config().hiddenSize();
        float[][][] vectors = new float[n][layers.length][];
        HeadSummary[][][] summaries = new HeadSummary[n][layers.length][heads];
        for (int x = 0; x < layers.length; x++) {
            int layer = layers[x];
            float[] residual = a.trace().layer(layer, "residual_out");
            for (int i = 0; i < n; i++) vectors[i][x] = java.util.Arrays.copyOfRange(residual, i * hidden, (i + 1) * hidden);
            AttentionMask mask = a.model().attention(layer).mask();
            for (int head = 0; head < heads; head++) {
                View.Head view = new View.Head(layer, head);
                float[] w = a.weights(view), v = a.valueNorms(view);
                for (int i = 0; i < n; i++) summaries[i][x][head] = summary(a, w, v, mask, i, n);
            }
        }
        List<Occurrence> out = new ArrayList<>(n);
        for (TokenRef t : a.tokens()) {
            int i = t.position();
            out.add(new Occurrence(doc, i, t.id(), t.text(), t.start(), t.end(), vectors[i], summaries[i]));
        }
        return out;
    }

    /** Query i's top visible key (the first of equal weights), the row's entropy and whether that key is a sink. */
    private static HeadSummary summary(Analysis a, float[] w, float[] v, AttentionMask mask, int i, int n) {
        int first = mask.firstVisible(i), keys = mask.visibleKeys(i, n), row = i * n + first;
        int top = 0;
        for (int j = 1; j < keys; j++) if (w[row + j] > w[row + top]) top = j;
        double entropy = Math.log(Analysis.effectiveResults(w, row, keys));
        boolean sink = Sinks.isSink(w[row + top], Sinks.valueRatio(w, v, row, keys, top));
        int key = first + top;
        return new HeadSummary(key - i, a.tokens().get(key).id(), (float) entropy, sink);
    }
}
