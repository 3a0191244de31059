package org.attentionsearch.model.blocks;

import org.attentionsearch.model.Rope;

/**
 * Applies rotary positions: in each head, pair i = (x_i, x_{i+m}) with m = dimensions/2 turns
 * by the angle pos·ω_i,
 * <pre>
 *   x_i'   = x_i·cos(pos·ω_i) − x_{i+m}·sin(pos·ω_i)
 *   x_{i+m}' = x_i·sin(pos·ω_i) + x_{i+m}·cos(pos·ω_i)
 * </pre>
 * Dimensions past {@code dimensions} (partial rotary) are left as they are. The cosines and
 * sines are tabulated per position, computed in double and rounded once.
 */
public final class Rotary {

    private final Rope rope;
    private final double[] omega;
    /** cos and sin of pos·ω_i at [pos·pairs + i], for positions below their length / pairs. */
    private volatile float[][] table = {new float[0], new float[0]};

    public Rotary(Rope rope) {
        this.rope = rope;
        this.omega = rope.frequencies();
    }

    public Rope rope() {
        return rope;
    }

    /** The cosine and sine tables covering positions 0 … positions−1 (grown on demand, never shrunk). */
    public float[][] tables(int positions) {
        float[][] t = table;
        int pairs = omega.length;
        if (t[0].length >= (long) positions * pairs) return t;
        synchronized (this) {
            t = table;
            if (t[0].length >= (long) positions * pairs) return t;
            int capacity = Math.max(positions, Math.min(2 * t[0].length / pairs, Integer.MAX_VALUE / pairs));
            float[] cos = new float[capacity * pairs], sin = new float[capacity * pairs];
            for (int pos = 0; pos < capacity; pos++) {
                for (int i = 0; i < pairs; i++) {
                    double angle = pos * omega[i];
                    cos[pos * pairs + i] = (float) Math.cos(angle);
                    sin[pos * pairs + i] = (float) Math.sin(angle);
                }
            }
            table = t = new float[][] {cos, sin};
            return t;
        }
    }

    /** Rotates {@code heads} heads of width d, head h at x[off + h·d], for position pos. */
    public void rotate(float[] x, int off, int heads, int d, int pos, float[][] tables) {
        int pairs = omega.length;
        float[] cos = tables[0], sin = tables[1];
        int t = pos * pairs;
        for (int h = 0; h < heads; h++) {
            int o = off + h * d;
            for (int i = 0; i < pairs; i++) {
                float a = x[o + i], b = x[o + i + pairs];
                float c = cos[t + i], s = sin[t + i];
                x[o + i] = a * c - b * s;
                x[o + i + pairs] = a * s + b * c;
            }
        }
    }
}
