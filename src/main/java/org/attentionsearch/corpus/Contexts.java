package org.attentionsearch.corpus;

import java.util.ArrayList;
import java.util.List;

import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.TokenRef;

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

    /**
     * The occurrences of document {@code doc}: each token's vectors at {@code layers} and its
     * head summaries there ({@link HeadReading#read}, [x][query][head] for layers[x]).
     */
    static List<Occurrence> of(Analysis a, int doc, int[] layers, HeadSummary[][][] summaries) {
        int n = a.length(), hidden = a.config().hiddenSize();
        float[][][] vectors = new float[n][layers.length][];
        HeadSummary[][][] heads = new HeadSummary[n][layers.length][];
        for (int x = 0; x < layers.length; x++) {
            float[] residual = a.trace().layer(layers[x], "residual_out");
            for (int i = 0; i < n; i++) {
                vectors[i][x] = java.util.Arrays.copyOfRange(residual, i * hidden, (i + 1) * hidden);
                heads[i][x] = summaries[x][i];
            }
        }
        List<Occurrence> out = new ArrayList<>(n);
        for (TokenRef t : a.tokens()) {
            int i = t.position();
            out.add(new Occurrence(doc, i, t.id(), t.text(), t.start(), t.end(), vectors[i], heads[i]));
        }
        return out;
    }
}
