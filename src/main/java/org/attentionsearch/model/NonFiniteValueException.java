package org.attentionsearch.model;

/**
 * A forward pass computed a value that is not a finite number (NaN or an infinity): float32
 * overflowed somewhere in the named step, so every result after it would be meaningless.
 * The pass stops there rather than answer with NaN.
 */
public final class NonFiniteValueException extends ArithmeticException {

    private final String step;

    public NonFiniteValueException(String step, float value, int row) {
        super(step + " computed " + (Float.isNaN(value) ? "NaN" : value > 0 ? "+∞" : "−∞") + " for token row " + row
                + "; the weights or the input overflow float32, so there is no result to show");
        this.step = step;
    }

    /** A value that overflowed a narrower store than float32 (a half-precision cache), said in {@code message}. */
    public NonFiniteValueException(String step, String message) {
        super(message);
        this.step = step;
    }

    /** The step of the pass that overflowed ("layer 3", "the embeddings", "the final norm"). */
    public String step() {
        return step;
    }
}
