package org.attentionsearch.model.blocks;

import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.PackedMatrix;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.math.WeightMatrix;

/**
 * A linear layer y = x·W + b, with W packed once for the matrix-multiply kernel, or kept in a
 * file's quantized blocks and read in place.
 *
 * @param bias null when the layer has none
 */
public record Linear(WeightMatrix weight, float[] bias) {

    public Linear {
        if (bias != null && bias.length != weight.n()) {
            throw new IllegalArgumentException("a bias of " + bias.length + " for " + weight.n() + " outputs");
        }
    }

    /** From a PyTorch Linear weight, [out × in] row-major. */
    public static Linear ofTorch(float[] weight, int out, int in, float[] bias) {
        return new Linear(PackedMatrix.packTransposed(weight, out, in), bias);
    }

    /** From a GPT-2 Conv1D weight, [in × out] row-major. */
    public static Linear ofConv1D(float[] weight, int in, int out, float[] bias) {
        return new Linear(PackedMatrix.pack(weight, in, out), bias);
    }

    public int in() {
        return weight.k();
    }

    public int out() {
        return weight.n();
    }

    /** y = x·W + b for {@code rows} rows, across the worker threads. */
    public void apply(float[] x, int rows, float[] y) {
        weight.multiply(x, rows, bias, Epilogue.NONE, null, y, null);
    }

    /**
     * y = epilogue(x·W + b) (plus {@code residual} for {@link Epilogue#ADD}), then
     * {@code thenRows} on each finished range of rows (null for none).
     */
    public void apply(float[] x, int rows, float[] y, Epilogue epilogue, float[] residual, Parallel.RangeBody thenRows) {
        weight.multiply(x, rows, bias, epilogue, residual, y, thenRows);
    }
}
