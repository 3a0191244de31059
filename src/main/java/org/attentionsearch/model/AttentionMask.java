package org.attentionsearch.model;

/**
 * Which keys a query may see inside its own sequence. Encoders see every token; decoder
 * families (GPT-2, Llama) will use {@link #CAUSAL}. Masked scores are −∞, so their weight is
 * exactly zero.
 */
public enum AttentionMask {
    BIDIRECTIONAL,
    CAUSAL;

    /** Number of keys query i may see among n: keys 0 … visibleKeys−1. */
    public int visibleKeys(int query, int n) {
        return this == CAUSAL ? query + 1 : n;
    }
}
