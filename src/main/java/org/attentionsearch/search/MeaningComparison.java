package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.List;

import org.attentionsearch.model.ModelConfig;

/**
 * How alike two tokens' meanings are, layer by layer: the cosine of their residual streams
 * where they enter the model and where they leave every layer. Two tokens of the same word
 * start alike (the same input embedding, apart from the position) and drift apart as
 * attention mixes each one's context into it — the polysemy of "bank" as a curve. The tokens
 * may stand in one text or in two texts run through the same model.
 */
public final class MeaningComparison {

    /**
     * The cosine at one depth.
     *
     * @param layer  the layer whose output is compared; −1 for the input embeddings (what enters layer 0)
     * @param cosine cos(x_a, x_b) = x_a·x_b / (‖x_a‖ ‖x_b‖) of the two residual-stream vectors
     */
    public record Layer(int layer, double cosine) {
    }

    /** The two tokens and the cosine at every depth, the input embeddings first. */
    public record Comparison(TokenRef a, TokenRef b, List<Layer> layers) {
    }

    private MeaningComparison() {
    }

    /** Token {@code i} of {@code a} against token {@code j} of {@code b} (the same analysis for one text). */
    public static Comparison of(Analysis a, int i, Analysis b, int j) {
        if (a.model() != b.model()) throw new IllegalArgumentException("both texts must run through the same model");
        check(a, i);
        check(b, j);
        ModelConfig c = a.config();
        int h = c.hiddenSize();
        List<Layer> out = new ArrayList<>(c.layers() + 1);
        for (int l = -1; l < c.layers(); l++) {
            float[] x = stream(a, l), y = stream(b, l);
            out.add(new Layer(l, EmbeddingSpace.cosine(x, i * h, y, j * h, h)));
        }
        return new Comparison(a.tokens().get(i), b.tokens().get(j), List.copyOf(out));
    }

    /** The residual stream leaving layer l, or entering layer 0 for l = −1: [n, hidden]. */
    private static float[] stream(Analysis a, int layer) {
        return layer < 0 ? a.trace().layer(0, "residual_in") : a.trace().layer(layer, "residual_out");
    }

    private static void check(Analysis a, int i) {
        if (i < 0 || i >= a.length()) {
            throw new IllegalArgumentException("token index " + i + " is out of range 0.." + (a.length() - 1));
        }
    }
}
