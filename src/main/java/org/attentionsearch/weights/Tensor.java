package org.attentionsearch.weights;

import java.util.Arrays;

/**
 * A named float32 tensor in row-major order. Every weight reader produces these and
 * every writer consumes them; the model packs them into its own layouts once at load.
 */
public record Tensor(String name, int[] shape, float[] data) {

    public Tensor {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape)
                    + " needs " + n + " values but has " + data.length);
        }
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int i) {
        return shape[i];
    }

    public String shapeString() {
        return Arrays.toString(shape);
    }
}
