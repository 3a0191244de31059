package org.attentionsearch.model;

import java.util.Arrays;

import org.attentionsearch.math.HalfAttentionKernel;

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
 * Keys are cached after rotary positions. Grows by doubling, up to the model's positions (and
 * 16 positions more, see SKEW).
 *
 * <p>In {@link Precision#F16} the same layout holds IEEE halves ({@link #halfKeys}, {@link #halfValues}):
 * half the memory, and half the bytes a step reads at a long context, where reading the cache is
 * most of a step. Every attention over the cache then reads the keys and values rounded to
 * halves, as llama.cpp's default cache does: the numbers are no longer those of one pass over
 * the whole text, only close to them. A key or value beyond a half's range (±65,504) is refused.
 * Not thread-safe: one generation owns it.
 */
public final class KeyValueCache {

    /** How the cache stores keys and values. */
    public enum Precision {
        /** float32: a step's numbers equal one pass over the whole text's. */
        F32,
        /** IEEE binary16, rounded to nearest even: half the memory and bandwidth. */
        F16
    }

    private static final int INITIAL = 64;
    /**
     * Positions added to every capacity, so that the rows of the transposed keys, which the
     * scoring kernel reads side by side, are not a power of two apart: at 2,048 positions they
     * were 8 KB apart, and SmolLM2's Q8_0 decoding at a 1,024-token context ran at 72 tokens/s
     * against 85 with the rows 16 floats further apart (F32 cache, serial collector; 93 against
     * 111 under G1).
     */
    private static final int SKEW = 16;

    private final Precision precision;
    private final int kvHeads, headSize, kvWidth;
    private final int maxPositions;
    private final float[][] keys, values;
    private final short[][] halfKeys, halfValues;
    private int capacity, length;

    /** A float32 cache. */
    public KeyValueCache(ModelConfig c) {
        this(c, Precision.F32);
    }

    public KeyValueCache(ModelConfig c, Precision precision) {
        if (!c.decoder()) throw new IllegalArgumentException("only a causal decoder can continue from a cache");
        this.precision = precision;
        this.kvHeads = c.kvHeads();
        this.headSize = c.headSize();
        this.kvWidth = c.keyValueWidth();
        this.maxPositions = c.maxPositions();
        boolean halves = precision == Precision.F16;
        this.keys = halves ? null : new float[c.layers()][0];
        this.values = halves ? null : new float[c.layers()][0];
        this.halfKeys = halves ? new short[c.layers()][0] : null;
        this.halfValues = halves ? new short[c.layers()][0] : null;
    }

    public Precision precision() {
        return precision;
    }

    /** Tokens cached so far: the position of the next token. */
    public int length() {
        return length;
    }

    /** Positions the arrays hold now: the stride of a transposed key row. */
    public int capacity() {
        return capacity;
    }

    /** Layer l's keys, transposed per key/value head: [kvHeads × d × capacity()]; float32 caches only. */
    public float[] keys(int l) {
        if (keys == null) throw new IllegalStateException("the cache holds halves: see halfKeys");
        return keys[l];
    }

    /** Layer l's values, [capacity() × kvHeads·d]; float32 caches only. */
    public float[] values(int l) {
        if (values == null) throw new IllegalStateException("the cache holds halves: see halfValues");
        return values[l];
    }

    /** Layer l's keys as halves, laid out as {@link #keys}; F16 caches only. */
    public short[] halfKeys(int l) {
        if (halfKeys == null) throw new IllegalStateException("the cache holds float32: see keys");
        return halfKeys[l];
    }

    /** Layer l's values as halves, laid out as {@link #values}; F16 caches only. */
    public short[] halfValues(int l) {
        if (halfValues == null) throw new IllegalStateException("the cache holds float32: see values");
        return halfValues[l];
    }

    /** Floats between consecutive values of {@link #values}. */
    public int valueStride() {
        return kvWidth;
    }

    /** Head g of layer l's value j, as floats (exactly what the attention reads), into out[off, off + d). */
    public void value(int l, int j, int g, float[] out, int off) {
        int from = j * kvWidth + g * headSize;
        if (values != null) {
            System.arraycopy(values[l], from, out, off, headSize);
        } else {
            HalfAttentionKernel.widen(halfValues[l], from, out, off, headSize);
        }
    }

    /** Keys 0 … n−1 of layer l as floats, transposed as {@link #keys} but n apart: [kvHeads·d × n]. */
    public float[] widenKeys(int l, int n) {
        float[] out = new float[Math.multiplyExact(kvWidth, n)];
        for (int x = 0; x < kvWidth; x++) {
            if (keys != null) System.arraycopy(keys[l], x * capacity, out, x * n, n);
            else HalfAttentionKernel.widen(halfKeys[l], x * capacity, out, x * n, n);
        }
        return out;
    }

    /** Values 0 … n−1 of layer l as floats, laid out as {@link #values}: [n × kvHeads·d]. */
    public float[] widenValues(int l, int n) {
        float[] out = new float[Math.multiplyExact(kvWidth, n)];
        if (values != null) System.arraycopy(values[l], 0, out, 0, out.length);
        else HalfAttentionKernel.widen(halfValues[l], 0, out, 0, out.length);
        return out;
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
        if (need > capacity) grow(Math.min(maxPositions, Math.max(need, Math.max(INITIAL, 2 * capacity))) + SKEW);
        for (int r = 0; r < rows; r++) {
            int from = r * srcStride + column, j = length + r;
            if (keys != null) {
                float[] k = keys[l];
                for (int x = 0; x < kvWidth; x++) k[x * capacity + j] = src[from + x]; // x = g·d + c
                System.arraycopy(src, from + kvWidth, values[l], j * kvWidth, kvWidth);
            } else {
                short[] k = halfKeys[l], v = halfValues[l];
                for (int x = 0; x < kvWidth; x++) k[x * capacity + j] = half(src[from + x], "key", l);
                for (int x = 0; x < kvWidth; x++) v[j * kvWidth + x] = half(src[from + kvWidth + x], "value", l);
            }
        }
    }

    /** x rounded to a half; one that would not be finite (x beyond ±65,504, or not finite itself) is refused. */
    private static short half(float x, String what, int l) {
        short h = Float.floatToFloat16(x);
        if ((h & 0x7c00) == 0x7c00) {
            throw new NonFiniteValueException("layer " + l, "a " + what + " of layer " + l + " (" + x
                    + ") is beyond the range of a half (±65,504); use a float32 key/value cache");
        }
        return h;
    }

    /**
     * Makes room for {@code positions} tokens in all (at most the model's), so that a generation
     * that knows how long it may run never grows the cache, and copies it, part way: llama.cpp's
     * context size.
     */
    public void reserve(int positions) {
        int to = Math.min(positions, maxPositions) + SKEW;
        if (to > capacity) grow(to);
    }

    /** Marks {@code rows} appended tokens as cached, once every layer has them. */
    void advance(int rows) {
        length += rows;
    }

    private void grow(int to) {
        int size = Math.multiplyExact(kvWidth, to);
        for (int l = 0; l < (keys != null ? keys.length : halfKeys.length); l++) {
            if (keys != null) {
                float[] k = new float[size];
                for (int x = 0; x < kvWidth; x++) System.arraycopy(keys[l], x * capacity, k, x * to, length);
                keys[l] = k;
                values[l] = Arrays.copyOf(values[l], size);
            } else {
                short[] k = new short[size];
                for (int x = 0; x < kvWidth; x++) System.arraycopy(halfKeys[l], x * capacity, k, x * to, length);
                halfKeys[l] = k;
                halfValues[l] = Arrays.copyOf(halfValues[l], size);
            }
        }
        capacity = to;
    }
}
