package org.attentionsearch.model;

import java.util.Arrays;

/**
 * Every layer's keys and values of the tokens a decoder has read so far, so that the next token
 * costs one row of work instead of a pass over the whole prefix. Laid out for that step:
 * <ul>
 * <li>keys transposed, per key/value head g a [d × capacity] block (dimension c of key j at
 *     {@code keys(l)[(g·d + c)·capacity() + j]}), which the scoring kernel reads as it reads a
 *     pass's own transposed keys — the same products in the same order, so a step's scores are
 *     those of one pass over the whole text, to the bit;</li>
 * <li>values row by row, [capacity × kvHeads·d] (head g of value j at
 *     {@code values(l)[j·kvHeads·d + g·d]}), as the weighted sum reads them.</li>
 * </ul>
 * Keys are cached after rotary positions. Grows by doubling, up to the model's positions.
 * Not thread-safe: one generation owns it.
 */
public final class KeyValueCache {

    private static final int INITIAL = 64;

    private final int kvHeads, headSize, kvWidth;
    private final int maxPositions;
    private final float[][] keys, values;
    private int capacity, length;

    public KeyValueCache(ModelConfig c) {
        if (!c.decoder()) throw new IllegalArgumentException("only a causal decoder can continue from a cache");
        this.kvHeads = c.kvHeads();
        this.headSize = c.headSize();
        this.kvWidth = c.keyValueWidth();
        this.maxPositions = c.maxPositions();
        this.keys = new float[c.layers()][0];
        this.values = new float[c.layers()][0];
    }

    /** Tokens cached so far: the position of the next token. */
    public int length() {
        return length;
    }

    /** Positions the arrays hold now: the stride of a transposed key row. */
    public int capacity() {
        return capacity;
    }

    /** Layer l's keys, transposed per key/value head: [kvHeads × d × capacity()]. */
    public float[] keys(int l) {
        return keys[l];
    }

    /** Layer l's values, [capacity() × kvHeads·d]. */
    public float[] values(int l) {
        return values[l];
    }

    /** Floats between consecutive values of {@link #values}. */
    public int valueStride() {
        return kvWidth;
    }

    /**
     * Copies the keys and values of {@code rows} new tokens into layer l at positions length() …:
     * row r's keys are kvHeads·d floats at src[r·srcStride + column], its values the kvHeads·d after them.
     */
    public void append(int l, float[] src, int rows, int srcStride, int column) {
        int need = length + rows;
        if (need > maxPositions) {
            throw new IllegalArgumentException(need + " tokens are more than the model's " + maxPositions + " positions");
        }
        if (need > capacity) grow(Math.min(maxPositions, Math.max(need, Math.max(INITIAL, 2 * capacity))));
        float[] k = keys[l], v = values[l];
        for (int r = 0; r < rows; r++) {
            int from = r * srcStride + column, j = length + r;
            for (int x = 0; x < kvWidth; x++) k[x * capacity + j] = src[from + x]; // x = g·d + c
            System.arraycopy(src, from + kvWidth, v, j * kvWidth, kvWidth);
        }
    }

    /** Marks {@code rows} appended tokens as cached, once every layer has them. */
    void advance(int rows) {
        length += rows;
    }

    private void grow(int to) {
        for (int l = 0; l < keys.length; l++) {
            float[] k = new float[Math.multiplyExact(kvWidth, to)];
            for (int x = 0; x < kvWidth; x++) System.arraycopy(keys[l], x * capacity, k, x * to, length);
            keys[l] = k;
            values[l] = Arrays.copyOf(values[l], Math.multiplyExact(kvWidth, to));
        }
        capacity = to;
    }
}
