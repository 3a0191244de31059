package org.attentionsearch.model;

import java.util.Locale;

/**
 * How token vectors become one sentence embedding (sentence-transformers' Pooling module,
 * followed by its Normalize module when {@code normalize} is set).
 */
public record Pooling(Mode mode, boolean normalize) {

    /** Mean or max over the tokens, the first token's vector, or the last token's (a decoder's summary of the text). */
    public enum Mode { MEAN, CLS, MAX, LAST }

    public static final Pooling MEAN_NORMALIZED = new Pooling(Mode.MEAN, true);
    public static final Pooling CLS_NORMALIZED = new Pooling(Mode.CLS, true);
    /** A decoder's default: the last token's final vector, as it is. */
    public static final Pooling LAST = new Pooling(Mode.LAST, false);

    /** Parses "mean", "cls", "max" or "last"; the result is L2-normalised. */
    public static Pooling parse(String name) {
        try {
            return new Pooling(Mode.valueOf(name.trim().toUpperCase(Locale.ROOT)), true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown pooling '" + name + "' (use mean, cls, max or last)");
        }
    }

    /** One sentence vector from the last hidden states [n × h] of one sequence. */
    public float[] pool(float[] hidden, int n, int h) {
        float[] out = new float[h];
        switch (mode) {
            case CLS -> System.arraycopy(hidden, 0, out, 0, h);
            case LAST -> System.arraycopy(hidden, (n - 1) * h, out, 0, h);
            case MEAN -> {
                double[] sum = new double[h];
                for (int i = 0; i < n; i++) for (int x = 0; x < h; x++) sum[x] += hidden[i * h + x];
                for (int x = 0; x < h; x++) out[x] = (float) (sum[x] / n);
            }
            case MAX -> {
                java.util.Arrays.fill(out, Float.NEGATIVE_INFINITY);
                for (int i = 0; i < n; i++) for (int x = 0; x < h; x++) out[x] = Math.max(out[x], hidden[i * h + x]);
            }
        }
        if (normalize) {
            double norm = 0;
            for (float v : out) norm += (double) v * v;
            // sentence-transformers divides by max(‖x‖, 1e-12)
            float inv = (float) (1.0 / Math.max(Math.sqrt(norm), 1e-12));
            for (int x = 0; x < h; x++) out[x] *= inv;
        }
        return out;
    }

    public String modeName() {
        return mode.name().toLowerCase(Locale.ROOT);
    }
}
