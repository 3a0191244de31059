package org.attentionsearch.search;

/**
 * Which attention a results page ranks by: one head of one layer, a blend of a layer's
 * heads, or attention rollout across all layers.
 */
public sealed interface View {

    /** One head: the weights α = softmax(q·k/√d) themselves. */
    record Head(int layer, int head) implements View {
        public String label() {
            return "layer " + layer + ", head " + head;
        }
    }

    /** The mean of α over a layer's heads. */
    record MeanBlend(int layer) implements View {
        public String label() {
            return "layer " + layer + ", mean of heads";
        }
    }

    /**
     * What each key's value really adds across a layer's heads: ‖Σ_h α^h_ij f^h(x_j)‖,
     * normalised per query row (Kobayashi et al. 2020).
     */
    record ValueBlend(int layer) implements View {
        public String label() {
            return "layer " + layer + ", value-weighted blend of heads";
        }
    }

    /** Attention rollout through every layer (Abnar &amp; Zuidema 2020). */
    record Rollout() implements View {
        public String label() {
            return "rollout through all layers";
        }
    }

    String label();

    /**
     * What a result's number is under this view, named the same in the page, the CLI, the
     * figure and the JSON ({@code "measure"}): for a head the attention weight α itself; for
     * the mean blend the mean of the heads' α; for the value-weighted blend not an attention
     * weight at all but each key's share of what the values add, ‖Σ_h α^h f^h(x_j)‖ over the
     * row's sum; for rollout the rolled-out weight.
     */
    default String measure() {
        return switch (this) {
            case Head h -> "attention weight";
            case MeanBlend m -> "mean attention weight";
            case ValueBlend v -> "value share";
            case Rollout r -> "rollout weight";
        };
    }

    /** The "head" field of the JSON schema: a head number, or "mean", "value", "rollout". */
    default Object headName() {
        return switch (this) {
            case Head h -> h.head();
            case MeanBlend m -> "mean";
            case ValueBlend v -> "value";
            case Rollout r -> "rollout";
        };
    }

    /** The layer, or −1 for rollout (which spans them all). */
    default int layer() {
        return switch (this) {
            case Head h -> h.layer();
            case MeanBlend m -> m.layer();
            case ValueBlend v -> v.layer();
            case Rollout r -> -1;
        };
    }
}
