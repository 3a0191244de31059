package org.attentionsearch.model;

/**
 * Which keys a query may see inside its own sequence: every key (encoders), or keys 0 … i
 * (decoders, causal), optionally only the last {@code window} of those (sliding-window
 * attention). Masked scores are −∞, so their weight is exactly zero.
 *
 * @param causal whether query i sees no key after i
 * @param window with a causal mask, the number of most recent keys visible; 0 for all of them
 */
public record AttentionMask(boolean causal, int window) {

    public static final AttentionMask BIDIRECTIONAL = new AttentionMask(false, 0);
    public static final AttentionMask CAUSAL = new AttentionMask(true, 0);

    public AttentionMask {
        if (window < 0 || (window > 0 && !causal)) throw new IllegalArgumentException("a sliding window needs a causal mask");
    }

    /** The mask a model's configuration implies. */
    public static AttentionMask of(ModelConfig c) {
        return c.decoder() ? new AttentionMask(true, c.slidingWindow()) : BIDIRECTIONAL;
    }

    /** First key query i may see. */
    public int firstVisible(int query) {
        return window > 0 ? Math.max(0, query - window + 1) : 0;
    }

    /** One past the last key query i may see among n. */
    public int endVisible(int query, int n) {
        return causal ? Math.min(n, query + 1) : n;
    }

    /** How many keys query i may see among n. */
    public int visibleKeys(int query, int n) {
        return endVisible(query, n) - firstVisible(query);
    }
}
