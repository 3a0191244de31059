package org.attentionsearch.model;

/**
 * Rotary position embeddings (Su et al. 2021): pairs of a head's query and key dimensions are
 * rotated by an angle that grows with the position, pos·ω_i, so that q·k depends on the
 * distance between the two tokens. Pair i is dimensions (i, i + dimensions/2), Hugging Face's
 * "rotate half" layout; llama.cpp's GGUF files for the llama architecture store q and k rows
 * permuted for adjacent pairs, and are put back in this order when they are read.
 *
 * @param theta      the base: ω_i = θ^(−2i/dimensions), before scaling
 * @param dimensions how many dimensions of each head rotate (the head size, for Llama)
 * @param scaling    how ω is stretched for longer contexts
 */
public record Rope(double theta, int dimensions, Scaling scaling) {

    /** How the frequencies are changed from θ^(−2i/d). */
    public sealed interface Scaling {
        /** Unchanged. */
        record None() implements Scaling {
        }

        /** Positions divided by the factor: ω_i / factor. */
        record Linear(double factor) implements Scaling {
        }

        /**
         * Llama 3.1's: low frequencies (wavelength above originalMax/lowFreqFactor) divided by the
         * factor, high ones (below originalMax/highFreqFactor) kept, and a smooth blend between.
         */
        record Llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) implements Scaling {
        }

        /** Each ω_i divided by its own factor, as llama.cpp's rope_freqs tensor gives them. */
        record Factors(float[] divisors) implements Scaling {
        }
    }

    public Rope {
        if (!(theta > 0) || Double.isInfinite(theta)) throw new IllegalArgumentException("rope theta must be a positive number, not " + theta);
        if (dimensions <= 0 || dimensions % 2 != 0) throw new IllegalArgumentException("rotary dimensions must be even and positive, not " + dimensions);
        switch (scaling) {
            case Scaling.Linear l when !(l.factor() > 0) -> throw new IllegalArgumentException("a rope scaling factor must be positive");
            case Scaling.Llama3 l when !(l.factor() > 0 && l.lowFreqFactor() > 0 && l.highFreqFactor() > l.lowFreqFactor()
                    && l.originalMaxPositions() > 0) ->
                    throw new IllegalArgumentException("llama3 rope scaling needs factor > 0 and high_freq_factor > low_freq_factor > 0");
            case Scaling.Linear l when Double.isInfinite(l.factor()) -> throw new IllegalArgumentException("a rope scaling factor must be finite");
            case Scaling.Llama3 l when Double.isInfinite(l.factor()) || Double.isInfinite(l.highFreqFactor()) ->
                    throw new IllegalArgumentException("llama3 rope scaling factors must be finite");
            case Scaling.Factors f when f.divisors().length != dimensions / 2 ->
                    throw new IllegalArgumentException("rope frequency factors: " + f.divisors().length + " given for " + dimensions / 2 + " pairs");
            case Scaling.Factors f when !positiveAndFinite(f.divisors()) ->
                    throw new IllegalArgumentException("rope frequency factors must be positive numbers");
            default -> { }
        }
    }

    private static boolean positiveAndFinite(float[] values) {
        for (float v : values) if (!(v > 0) || Float.isInfinite(v)) return false;
        return true;
    }

    public static Rope plain(double theta, int dimensions) {
        return new Rope(theta, dimensions, new Scaling.None());
    }

    /** ω_i for each pair i, scaled, in double. */
    public double[] frequencies() {
        int pairs = dimensions / 2;
        double[] omega = new double[pairs];
        for (int i = 0; i < pairs; i++) {
            double w = Math.pow(theta, -2.0 * i / dimensions);
            omega[i] = switch (scaling) {
                case Scaling.None n -> w;
                case Scaling.Linear l -> w / l.factor();
                case Scaling.Factors f -> w / f.divisors()[i];
                case Scaling.Llama3 l -> {
                    double wavelength = 2 * Math.PI / w;
                    double lowWavelength = l.originalMaxPositions() / l.lowFreqFactor();
                    double highWavelength = l.originalMaxPositions() / l.highFreqFactor();
                    if (wavelength < highWavelength) yield w;
                    if (wavelength > lowWavelength) yield w / l.factor();
                    double smooth = (l.originalMaxPositions() / wavelength - l.lowFreqFactor()) / (l.highFreqFactor() - l.lowFreqFactor());
                    yield (1 - smooth) * w / l.factor() + smooth * w;
                }
            };
        }
        return omega;
    }
}
