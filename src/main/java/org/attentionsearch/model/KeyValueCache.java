package org.attentionsearch.model;

import java.util.Arrays;

/**
 * Every layer's keys and values of the tokens a decoder has read so far, so that the next token
 * costs one row of work instead of a pass over the whole prefix. Row j of a layer holds key j
 * then value j of every key/value head, [k^0 … k^{kvHeads−1} | v^0 … v^{kvHeads−1}], exactly as
 * the fused q/k/v projection lays them out after the queries (keys already rotated).
 * Grows by doubling, up to the model's positions. Not thread-safe: one generation owns it.
 */
public final class KeyValueCache {

    private static final int INITIAL = 64;

    private final int kvWidth;
    private final int maxPositions;
    private final float[][] layers;
    private int length;

    public KeyValueCache(ModelConfig c) {
        if (!c.decoder()) throw new IllegalArgumentException("only a causal decoder can continue from a cache");
        this.kvWidth = c.keyValueWidth();
        this.maxPositions = c.maxPositions();
        this.layers = new float[c.layers()][0];
    }

    /** Tokens cached so far: the position of the next token. */
    public int length() {
        return length;
    }

    /** Floats per cached row: keys then values of every key/value head. */
    public int stride() {
        return 2 * kvWidth;
    }

    /** Layer l's rows, [capacity × stride()]; rows at and past {@link #length()} are not yet valid. */
    public float[] layer(int l) {
        return layers[l];
    }

    /** Key j of key/value head g starts at {@code layer(l)[j·stride() + keyColumn(g)]}. */
    public int keyColumn(int g, int headSize) {
        return g * headSize;
    }

    /** Value j of key/value head g starts at {@code layer(l)[j·stride() + valueColumn(g)]}. */
    public int valueColumn(int g, int headSize) {
        return kvWidth + g * headSize;
    }

    /**
     * Copies the keys and values of {@code rows} new tokens into layer l at positions length() …:
     * row r's keys and values are {@code stride()} floats at src[r·srcStride + column].
     */
    public void append(int l, float[] src, int rows, int srcStride, int column) {
        int need = length + rows;
        if (need > maxPositions) {
            throw new IllegalArgumentException(need + " tokens are more than the model's " + maxPositions + " positions");
        }
        int w = stride();
        if (layers[l].length < need * w) {
            int capacity = Math.min(maxPositions, Math.max(need, Math.max(INITIAL, 2 * layers[l].length / w)));
            layers[l] = Arrays.copyOf(layers[l], Math.multiplyExact(capacity, w));
        }
        for (int r = 0; r < rows; r++) System.arraycopy(src, r * srcStride + column, layers[l], (length + r) * w, w);
    }

    /** Marks {@code rows} appended tokens as cached, once every layer has them. */
    void advance(int rows) {
        length += rows;
    }
}
