package org.attentionsearch.weights;

import java.util.Arrays;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

import org.attentionsearch.math.QuantizedMatrix;

/**
 * A named float32 tensor in row-major order. Every weight reader produces these and every
 * writer consumes them; a family packs them into its own layouts once at load.
 *
 * <p>A tensor read from a memory-mapped file is lazy: its values are converted (widened,
 * dequantized, reordered) each time {@link #data()} is called, so a model never holds its
 * file's contents twice on the heap. A matrix a file stores in quantized blocks also offers
 * them as they lie ({@link #quantized()}), for layers that multiply by them in place.
 */
public final class Tensor {

    private final String name;
    private final int[] shape;
    private final float[] data;
    private final Supplier<float[]> source;
    private final RowReader rows;
    private final QuantizedMatrix quantized;

    /** Reads rows [first, first + count) of a lazy tensor (along its first dimension) without the rest. */
    @FunctionalInterface
    public interface RowReader {
        float[] read(int first, int count);
    }

    public Tensor(String name, int[] shape, float[] data) {
        this.name = name;
        this.shape = shape;
        this.data = data;
        this.source = null;
        this.rows = null;
        this.quantized = null;
        checkLength(data.length);
    }

    private Tensor(String name, int[] shape, Supplier<float[]> source, RowReader rows, QuantizedMatrix quantized) {
        this.name = name;
        this.shape = shape;
        this.data = null;
        this.source = source;
        this.rows = rows;
        this.quantized = quantized;
        checkLength(-1);
    }

    /** A tensor whose values {@code source} computes on every call of {@link #data()}. */
    public static Tensor lazy(String name, int[] shape, Supplier<float[]> source) {
        return new Tensor(name, shape, source, null, null);
    }

    /** As {@link #lazy(String, int[], Supplier)}, with a cheaper way to read a few rows. */
    public static Tensor lazy(String name, int[] shape, Supplier<float[]> source, RowReader rows) {
        return new Tensor(name, shape, source, rows, null);
    }

    /**
     * The same lazy tensor, offering also its blocks as they lie: {@code quantized} is the weight
     * W (y = x·W) of the layer this tensor holds, so W's columns are the rows of a PyTorch
     * Linear weight [out × in] (or of a vocabulary table), the columns of a GPT-2 Conv1D weight [in × out].
     */
    public Tensor withQuantized(QuantizedMatrix quantized) {
        if (data != null) throw new IllegalStateException(name + " holds its values already");
        return new Tensor(name, shape, source, rows, Objects.requireNonNull(quantized, "quantized"));
    }

    /** The quantized blocks as they lie in the file, when it has them and they can be read in place. */
    public Optional<QuantizedMatrix> quantized() {
        return Optional.ofNullable(quantized);
    }

    /** The same values under another name. */
    public Tensor named(String newName) {
        return data != null ? new Tensor(newName, shape, data) : new Tensor(newName, shape, source, rows, quantized);
    }

    /** Whether {@link #rows} reads only the rows asked for (else it converts the whole tensor each time). */
    public boolean readsRows() {
        return rows != null || data != null;
    }

    /**
     * Rows [first, first + count) along the first dimension, row-major: a few rows of a large
     * mapped tensor (a vocabulary table) without converting the whole of it.
     */
    public float[] rows(int first, int count) {
        int rowLength = (int) (elements() / Math.max(1, shape[0]));
        Objects.checkFromIndexSize(first, count, shape[0]);
        if (rows != null) return rows.read(first, count);
        float[] all = data();
        return Arrays.copyOfRange(all, first * rowLength, (first + count) * rowLength);
    }

    private void checkLength(long actual) {
        long n = elements();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " is too large for one array");
        if (actual >= 0 && n != actual) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n + " values but has " + actual);
        }
    }

    /** Number of values the shape holds. */
    public long elements() {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            n *= d;
        }
        return n;
    }

    public String name() {
        return name;
    }

    public int[] shape() {
        return shape;
    }

    /** The values, row-major; a lazy tensor computes them anew on each call. */
    public float[] data() {
        if (data != null) return data;
        float[] values = source.get();
        checkLength(values.length);
        return values;
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

    @Override
    public String toString() {
        return "Tensor[" + name + " " + shapeString() + "]";
    }
}
