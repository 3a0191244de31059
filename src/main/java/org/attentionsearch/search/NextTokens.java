package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.PriorityQueue;

import org.attentionsearch.model.Batch;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Output;
import org.attentionsearch.model.Trace;
import org.attentionsearch.model.blocks.LanguageModelHead;
import org.attentionsearch.text.Encoding;

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
        int n = trace.length(), layers = model.config().layers();
        List<List<List<Prediction>>> perLayer = new ArrayList<>();
        if (lens) {
            for (int l = 0; l < layers; l++) perLayer.add(top(model, trace.layer(l, "residual_out"), 0, n, top, true));
        }
        return positions(top(model, trace.get("final_norm.output").data(), 0, n, top, false), perLayer);
    }

    /**
     * The same after one position of a traced text: what the page of one query shows, at the
     * cost of one row of logits per layer instead of the whole text's.
     */
    public static Position at(Model model, Trace trace, int position, int top, boolean lens) {
        int n = trace.length(), layers = model.config().layers();
        if (position < 0 || position >= n) throw new IllegalArgumentException("position " + position + " is out of range 0.." + (n - 1));
        List<LayerPredictions> perLayer = new ArrayList<>();
        if (lens) {
            for (int l = 0; l < layers; l++) {
                perLayer.add(new LayerPredictions(l, top(model, trace.layer(l, "residual_out"), position, 1, top, true).getFirst()));
            }
        }
        return new Position(position, top(model, trace.get("final_norm.output").data(), position, 1, top, false).getFirst(),
                List.copyOf(perLayer));
    }

    /**
     * The same for several texts in one untraced pass: the lens reads each layer's residual
     * stream as the pass goes by, so nothing of any layer (no attention, no residual) is kept.
     */
    public static List<List<Position>> of(Model model, List<Encoding> texts, int top, boolean lens) {
        List<List<List<List<Prediction>>>> perLayer = new ArrayList<>(); // [text][layer][position]
        for (int b = 0; b < texts.size(); b++) perLayer.add(new ArrayList<>());
        Model.LayerObserver observer = !lens ? null : (layer, batch, residual) -> {
            for (int b = 0; b < batch.size(); b++) {
                perLayer.get(b).add(top(model, residual, batch.start(b), batch.length(b), top, true));
            }
        };
        Output out = lens ? model.forward(texts, observer) : model.forward(texts, false);
        List<List<Position>> result = new ArrayList<>(texts.size());
        for (int b = 0; b < texts.size(); b++) {
            Batch batch = out.batch();
            result.add(positions(top(model, out.hidden(), batch.start(b), batch.length(b), top, false), perLayer.get(b)));
        }
        return result;
    }

    private static List<Position> positions(List<List<Prediction>> own, List<List<List<Prediction>>> perLayer) {
        List<Position> out = new ArrayList<>(own.size());
        for (int i = 0; i < own.size(); i++) {
            List<LayerPredictions> view = new ArrayList<>(perLayer.size());
            for (int l = 0; l < perLayer.size(); l++) view.add(new LayerPredictions(l, perLayer.get(l).get(i)));
            out.add(new Position(i, own.get(i), List.copyOf(view)));
        }
        return out;
    }

    /**
     * Top-k after each of rows [start, start + n) of x [rows × hidden], through the final norm
     * first when {@code normalise}; a few rows at a time, so a long text over a large vocabulary
     * stays small.
     */
    private static List<List<Prediction>> top(Model model, float[] x, int start, int n, int k, boolean normalise) {
        LanguageModelHead head = model.head();
        if (head == null) throw new IllegalArgumentException("an encoder does not predict next tokens");
        int h = model.config().hiddenSize(), v = head.vocabSize();
        List<List<Prediction>> out = new ArrayList<>(n);
        for (int r0 = 0; r0 < n; r0 += ROWS) {
            int rows = Math.min(ROWS, n - r0);
            float[] slice = Arrays.copyOfRange(x, (start + r0) * h, (start + r0 + rows) * h);
            float[] logits = normalise ? head.lens(slice, rows) : head.logits(slice, rows);
            for (int r = 0; r < rows; r++) out.add(top(model, logits, r * v, v, k));
        }
        return out;
    }

    /** The k largest of one row of logits, best first (ties by id), with softmax probabilities in double. */
    static List<Prediction> top(Model model, float[] logits, int from, int v, int k) {
        double[] softmax = normaliser(logits, from, v);
        return top(model, logits, from, v, k, softmax[0], softmax[1]);
    }

    /** {max, Σ exp(logit − max)} of one row: softmax(logit_t) = exp(logit_t − max) / sum. */
    static double[] normaliser(float[] logits, int from, int v) {
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < v; t++) max = Math.max(max, logits[from + t]);
        double sum = 0;
        for (int t = 0; t < v; t++) sum += Math.exp(logits[from + t] - max);
        return new double[] {max, sum};
    }

    /** As above, with the row's {@link #normaliser} already known. */
    static List<Prediction> top(Model model, float[] logits, int from, int v, int k, double max, double sum) {
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
        Collections.reverse(out);
        return List.copyOf(out);
    }
}
