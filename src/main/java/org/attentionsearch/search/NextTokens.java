package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.Trace;
import org.attentionsearch.model.blocks.LanguageModelHead;

/**
 * What a decoder expects after each position: its top next tokens with their probabilities,
 * and with the logit lens (nostalgebraist 2020) what each layer would already predict there —
 * that layer's residual stream read through the final norm and the unembedding. For a decoder
 * this is the honest answer to "what does layer L see here": not a token, a distribution over
 * next tokens.
 */
public final class NextTokens {

    /** Rows of logits computed at once, so that a long text over a large vocabulary stays small. */
    private static final int ROWS = 32;

    private NextTokens() {
    }

    /** One candidate next token: its raw score and its softmax probability over the whole vocabulary. */
    public record Prediction(int id, String text, double logit, double probability) {
    }

    /** What the residual stream leaving one layer predicts. */
    public record LayerPredictions(int layer, List<Prediction> predictions) {
    }

    /** After one position: the model's predictions, and each layer's when the lens was asked for (else empty). */
    public record Position(int position, List<Prediction> predictions, List<LayerPredictions> lens) {
    }

    /**
     * The top {@code top} next tokens after every position of a traced text; with {@code lens},
     * also each layer's through the logit lens. The last layer's lens equals the model's own.
     */
    public static List<Position> of(Model model, Trace trace, int top, boolean lens) {
        LanguageModelHead head = model.head();
        if (head == null) throw new IllegalArgumentException("an encoder does not predict next tokens");
        int n = trace.length(), h = model.config().hiddenSize(), layers = model.config().layers();
        float[] finalNorm = trace.get("final_norm.output").data();
        List<List<Prediction>> modelOwn = top(model, head, finalNorm, n, h, top, false);
        List<List<List<Prediction>>> perLayer = new ArrayList<>();
        if (lens) {
            for (int l = 0; l < layers; l++) perLayer.add(top(model, head, trace.layer(l, "residual_out"), n, h, top, true));
        }
        List<Position> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            List<LayerPredictions> view = new ArrayList<>();
            for (int l = 0; l < perLayer.size(); l++) view.add(new LayerPredictions(l, perLayer.get(l).get(i)));
            out.add(new Position(i, modelOwn.get(i), List.copyOf(view)));
        }
        return out;
    }

    /** Top-k of every row of x [n × h], taken through the final norm first when {@code normalise}. */
    private static List<List<Prediction>> top(Model model, LanguageModelHead head, float[] x, int n, int h, int k, boolean normalise) {
        List<List<Prediction>> out = new ArrayList<>(n);
        int v = head.vocabSize();
        for (int r0 = 0; r0 < n; r0 += ROWS) {
            int rows = Math.min(ROWS, n - r0);
            float[] slice = java.util.Arrays.copyOfRange(x, r0 * h, (r0 + rows) * h);
            float[] logits = normalise ? head.lens(slice, rows) : head.logits(slice, rows);
            for (int r = 0; r < rows; r++) out.add(top(model, logits, r * v, v, k));
        }
        return out;
    }

    /** The k largest of one row of logits, best first (ties by id), with softmax probabilities in double. */
    static List<Prediction> top(Model model, float[] logits, int from, int v, int k) {
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < v; t++) max = Math.max(max, logits[from + t]);
        double sum = 0;
        for (int t = 0; t < v; t++) sum += Math.exp(logits[from + t] - max);
        PriorityQueue<Integer> best = new PriorityQueue<>((a, b) -> logits[from + a] != logits[from + b]
                ? Float.compare(logits[from + a], logits[from + b]) : Integer.compare(b, a));
        for (int t = 0; t < v; t++) {
            if (best.size() < k) best.add(t);
            else if (logits[from + t] > logits[from + best.peek()]) {
                best.poll();
                best.add(t);
            }
        }
        List<Prediction> out = new ArrayList<>(best.size());
        while (!best.isEmpty()) {
            int t = best.poll();
            double logit = logits[from + t];
            out.add(new Prediction(t, TokenText.of(model.tokenizer(), t), logit, Math.exp(logit - max) / sum));
        }
        java.util.Collections.reverse(out);
        return List.copyOf(out);
    }
}
