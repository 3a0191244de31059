package org.attentionsearch.model;

import java.util.Locale;

/**
 * How token vectors become one sentence embedding (sentence-transformers' Pooling module,
 * followed by its Normalize module when {@code normalize} is set).
 */
public record Pooling(Mode mode, boolean normalize) {

    public enum Mode { MEAN, CLS, MAX }

    public static final Pooling MEAN_NORMALIZED = new Pooling(Mode.MEAN, true);
    public static final Pooling CLS_NORMALIZED = new Pooling(Mode.CLS, true);

    /** Parses "mean", "cls" or "max"; the result is L2-normalised. */
    public static Pooling parse(String name) {
        try {
            return new Pooling(Mode.valueOf(name.trim().toUpperCase(Locale.ROOT)), true);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown pooling '" + name + "' (use mean, cls or max)");
        }
    }

    public String modeName() {
        return mode.name().toLowerCase(Locale.ROOT);
    }
}
