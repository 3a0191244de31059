package org.attentionsearch.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.attentionsearch.weights.Tensor;

/**
 * Every internal of one sequence's forward pass, under stable names that scripts can rely on,
 * the same for every family (n = tokens, d = head width, H = hidden width, V = vocabulary):
 *
 * <pre>
 * embeddings.output                      [n, H]   the residual stream entering layer 0
 * layers.L.residual_in                   [n, H]   the residual stream entering layer L
 * layers.L.attention.query               [heads, n, d]    after q norms and rotary positions
 * layers.L.attention.key                 [kvHeads, n, d]  after k norms and rotary positions
 * layers.L.attention.value               [kvHeads, n, d]
 * layers.L.attention.scores              [heads, n, n]  q·k/√d, −∞ where masked
 * layers.L.attention.weights             [heads, n, n]  softmax of the scores, per row
 * layers.L.attention.head_outputs        [heads, n, d]  z = Σ_j α_ij v_j
 * layers.L.attention.head_projections    [heads, n, H]  z·W_O^h, head h's share of the attention output
 * layers.L.attention.output              [n, H]   Σ_h z·W_O^h + b_O (before the residual add)
 * layers.L.residual_mid                  [n, H]   the residual stream between attention and the feed-forward
 * layers.L.residual_out                  [n, H]   the residual stream leaving layer L
 * final_norm.output                      [n, H]   decoders: the last residual stream through the final norm
 * logits                                 [n, V]   decoders: next-token scores after every position
 * </pre>
 *
 * Query head h reads key/value head h / (heads / kvHeads). Each tensor is one flat float array;
 * nothing per element. The residual stream leaving layer L is the same array as the one
 * entering layer L+1. Derived tensors (scores, head_projections, attention.output, logits) are
 * computed on first access from the stored ones — the scores by the very code the forward pass
 * ran, so they are the same to the bit. A trace made with {@link Tracing#WITHOUT_WEIGHTS} has
 * neither attention.scores nor attention.weights (see {@link #keepsWeights()}).
 */
public final class Trace {

    private final int length;
    private final Architecture model;
    /** Whether the pass kept attention.weights, and so whether the n×n tensors may be asked for. */
    private final boolean weights;
    private final Map<String, Tensor> tensors = new LinkedHashMap<>();
    /** Tensors still inside the forward pass's batch buffers, copied out on first access. */
    private final Map<String, java.util.function.Supplier<float[]>> views = new java.util.HashMap<>();
    private final Map<String, int[]> viewShapes = new java.util.HashMap<>();

    Trace(int length, Architecture model, boolean weights) {
        this.length = length;
        this.model = model;
        this.weights = weights;
    }

    /**
     * Whether this trace holds the attention weights and answers for the scores, [heads, n, n]
     * each; a trace made with {@link Tracing#WITHOUT_WEIGHTS} refuses both.
     */
    public boolean keepsWeights() {
        return weights;
    }

    /** Number of tokens in the traced sequence. */
    public int length() {
        return length;
    }

    public ModelConfig config() {
        return model.config();
    }

    /** Every name this trace answers to, in forward order. */
    public List<String> names() {
        List<String> names = new ArrayList<>();
        names.add("embeddings.output");
        for (int l = 0; l < config().layers(); l++) {
            for (String s : List.of("residual_in", "attention.query", "attention.key", "attention.value",
                    "attention.scores", "attention.weights", "attention.head_outputs",
                    "attention.head_projections", "attention.output", "residual_mid", "residual_out")) {
                if (!weights && isSquare(s)) continue;
                names.add("layers." + l + "." + s);
            }
        }
        if (model.head() != null) {
            names.add("final_norm.output");
            names.add("logits");
        }
        return Collections.unmodifiableList(names);
    }

    public Tensor get(String name) {
        synchronized (this) {
            Tensor t = tensors.get(name);
            if (t == null) {
                var view = views.remove(name);
                t = view != null ? new Tensor(name, viewShapes.remove(name), view.get()) : derive(name);
                tensors.put(name, t);
            }
            return t;
        }
    }

    /** Shortcut for {@code get("layers." + layer + "." + what).data()}. */
    public float[] layer(int layer, String what) {
        return get("layers." + layer + "." + what).data();
    }

    /**
     * Bytes this trace's own tensors hold, counting those still kept in the forward pass's
     * batch buffers at their size (the buffers are shared by every sequence of the batch).
     */
    public synchronized long bytes() {
        java.util.IdentityHashMap<float[], Boolean> seen = new java.util.IdentityHashMap<>();
        long total = 0;
        for (Tensor t : tensors.values()) {
            if (seen.put(t.data(), Boolean.TRUE) == null) total += 4L * t.data().length;
        }
        for (int[] shape : viewShapes.values()) {
            long n = 4;
            for (int dim : shape) n *= dim;
            total += n;
        }
        return total;
    }

    public synchronized void put(String name, int[] shape, float[] data) {
        tensors.put(name, new Tensor(name, shape, data));
    }

    /** Rows [start, start+n) of a batch buffer with {@code width} columns, as an [n, width] tensor. */
    synchronized void putRows(String name, float[] buffer, int start, int width) {
        views.put(name, () -> java.util.Arrays.copyOfRange(buffer, start * width, (start + length) * width));
        viewShapes.put(name, new int[] {length, width});
    }

    /**
     * Per-head columns of a batch buffer as a [heads, n, d] tensor: head h is columns
     * column + h·d … column + h·d + d − 1 of rows [start, start+n), the buffer having {@code stride} columns.
     */
    synchronized void putHeads(String name, float[] buffer, int start, int stride, int column, int heads, int d) {
        views.put(name, () -> {
            float[] out = new float[heads * length * d];
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < length; i++) {
                    System.arraycopy(buffer, (start + i) * stride + column + h * d, out, (h * length + i) * d, d);
                }
            }
            return out;
        });
        viewShapes.put(name, new int[] {heads, length, d});
    }

    /** Shares an already recorded tensor under a second name (the residual leaving L is the one entering L+1). */
    synchronized void alias(String name, String existing) {
        Tensor t = tensors.get(existing);
        if (t != null) {
            tensors.put(name, new Tensor(name, t.shape(), t.data()));
        } else {
            views.put(name, () -> get(existing).data());
            viewShapes.put(name, viewShapes.get(existing).clone());
        }
    }

    private Tensor derive(String name) {
        ModelConfig c = config();
        if (name.equals("logits") && model.head() != null) {
            float[] logits = model.head().logits(get("final_norm.output").data(), length);
            return new Tensor(name, new int[] {length, c.vocabSize()}, logits);
        }
        int layer = layerOf(name);
        String what = layer < 0 ? "" : name.substring(name.indexOf('.', "layers.".length()) + 1);
        if (!weights && isSquare(what)) {
            throw new IllegalStateException(name + " is not kept: this trace of " + length
                    + " tokens was made without the attention weights, whose [heads, n, n] would grow with the square of the length");
        }
        int h = c.hiddenSize();
        return switch (what) {
            case "attention.scores" -> new Tensor(name, new int[] {c.heads(), length, length},
                    model.attention(layer).scores(layer(layer, "attention.query"), layer(layer, "attention.key"), length));
            case "attention.head_projections" -> {
                float[] z = layer(layer, "attention.head_outputs");
                yield new Tensor(name, new int[] {c.heads(), length, h},
                        HeadProjection.all(z, model.attention(layer).outputWeight(), c.heads(), length, c.headSize()));
            }
            case "attention.output" -> {
                float[] p = layer(layer, "attention.head_projections");
                float[] bias = model.attention(layer).outputBias();
                float[] out = new float[length * h];
                for (int i = 0; i < length; i++) {
                    if (bias != null) System.arraycopy(bias, 0, out, i * h, h);
                    for (int head = 0; head < c.heads(); head++) {
                        int src = (head * length + i) * h;
                        for (int x = 0; x < h; x++) out[i * h + x] += p[src + x];
                    }
                }
                yield new Tensor(name, new int[] {length, h}, out);
            }
            default -> throw new IllegalArgumentException("no traced tensor named '" + name
                    + "'; names look like layers.0.attention.weights (layers 0 to " + (c.layers() - 1) + ")"
                    + (model.head() != null ? ", final_norm.output or logits" : ""));
        };
    }

    /** The tensors that grow with n², which a trace without weights neither keeps nor derives. */
    private static boolean isSquare(String what) {
        return what.equals("attention.scores") || what.equals("attention.weights");
    }

    private int layerOf(String name) {
        if (!name.startsWith("layers.")) return -1;
        int dot = name.indexOf('.', "layers.".length());
        if (dot < 0) return -1;
        try {
            int l = Integer.parseInt(name.substring("layers.".length(), dot));
            return l >= 0 && l < config().layers() ? l : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
