package org.attentionsearch.corpus;

/**
 * A vector as the index holds it: its direction (a unit vector, which Lucene's dot-product
 * similarity requires) and, stored beside it, its length. Cosine ranking needs only the
 * direction, and on unit vectors it is a single dot product per comparison, where Lucene's cosine
 * computes three; direction × length gives the vector back to within a few ulps.
 */
final class UnitVectors {

    private UnitVectors() {
    }

    /** ‖v‖₂, summed in double. */
    static double length(float[] v) {
        double s = 0;
        for (float x : v) s += (double) x * x;
        return Math.sqrt(s);
    }

    /** v / ‖v‖ (the zero vector stays zero: it has no direction, and no similarity to anything). */
    static float[] direction(float[] v) {
        return direction(v, length(v));
    }

    /** v / length, for a {@code length} that is {@link #length}(v). */
    static float[] direction(float[] v, double length) {
        float[] u = new float[v.length];
        if (length == 0) return u;
        for (int i = 0; i < v.length; i++) u[i] = (float) (v[i] / length);
        return u;
    }

    /** direction × length: the vector an occurrence had, from what the index holds. */
    static float[] scaled(float[] direction, float length) {
        float[] v = new float[direction.length];
        for (int i = 0; i < v.length; i++) v[i] = (float) ((double) direction[i] * length);
        return v;
    }
}
