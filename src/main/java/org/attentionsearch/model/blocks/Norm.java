package org.attentionsearch.model.blocks;

import org.attentionsearch.math.Parallel;
import org.attentionsearch.math.Vectors;

/** A normalisation of each row of the residual stream. */
public sealed interface Norm {

    /** y = (x − mean)/√(var + eps)·γ + β (Ba et al. 2016); β null for none. */
    record LayerNorm(float[] gamma, float[] beta, float eps) implements Norm {
        @Override
        public void apply(float[] x, int xOff, float[] y, int yOff) {
            Vectors.layerNorm(x, xOff, y, yOff, gamma.length, gamma, beta, eps);
        }
    }

    /** y = x/√(mean(x²) + eps)·γ (Zhang &amp; Sennrich 2019). */
    record RmsNorm(float[] gamma, float eps) implements Norm {
        @Override
        public void apply(float[] x, int xOff, float[] y, int yOff) {
            Vectors.rmsNorm(x, xOff, y, yOff, gamma.length, gamma, eps);
        }
    }

    /** Normalises the row x[xOff, xOff + width) into y at yOff (y may be x). */
    void apply(float[] x, int xOff, float[] y, int yOff);

    float[] gamma();

    default int width() {
        return gamma().length;
    }

    /** Every row of x [rows × width] normalised into y, across the worker threads. */
    default void rows(float[] x, int rows, float[] y) {
        int w = width();
        Parallel.forRange(rows, 1, (from, to) -> {
            for (int r = from; r < to; r++) apply(x, r * w, y, r * w);
        });
    }

    /** A row step that normalises rows of x in place, for a matrix multiply to run on the rows it finished. */
    default Parallel.RangeBody inPlace(float[] x) {
        int w = width();
        return (from, to) -> {
            for (int r = from; r < to; r++) apply(x, r * w, x, r * w);
        };
    }
}
