package org.attentionsearch.model;

/** How much of a forward pass its traces keep. */
public enum Tracing {
    /** No trace: scratch is reused from layer to layer. */
    NONE,
    /** Every internal, the attention weights [heads, n, n] of every layer included. */
    FULL,
    /**
     * Everything but the n×n tensors: queries, keys, values, head outputs and the residual
     * streams, all O(n) per layer, from which one query's scores can be recomputed at a time.
     * What a long text's streamed results pages need.
     */
    WITHOUT_WEIGHTS
}
