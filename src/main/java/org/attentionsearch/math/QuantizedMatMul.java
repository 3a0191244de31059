package org.attentionsearch.math;

import static org.attentionsearch.math.PackedMatrix.LANES;
import static org.attentionsearch.math.PackedMatrix.PANEL;

import java.nio.ByteOrder;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = epilogue(a·W + bias) with W a {@link QuantizedMatrix}, its rows read in place; the
 * contract of {@link MatMul}. Work is shared out by panels of {@link PackedMatrix#PANEL}
 * columns of W (stored rows), each thread a contiguous run of panels, so threads write
 * disjoint stretches of c and read disjoint stored rows.
 *
 * <p>A few rows (decoding one token): c[r][j] = Σ_i W[i][j]·a[r][i], one pass over the stored
 * rows, each block widened to floats and multiplied with a while it is in registers, four
 * stored rows at a time where the format has such a kernel (each vector of a loaded once for
 * four rows). More rows (a prompt): each panel is dequantized once into the packed layout of
 * {@link PackedMatrix} and run through {@link MatMul}'s micro-kernels for all rows, so the cost
 * of widening is shared by every row.
 *
 * <p>Each format's kernels are in a class of their own ({@link F16Kernels}, {@link BF16Kernels},
 * {@link Q8Kernels}, {@link Q4Kernels}, {@link Q4KKernels}, {@link Q6KKernels}); the switches
 * here pick one per stored row, outside the loops over its values.
 */
public final class QuantizedMatMul {
    static final VectorSpecies<Float> S = PackedMatrix.SPECIES;
    /** Bytes widened to one float vector: the byte species of as many lanes. */
    static final VectorSpecies<Byte> B = LANES == 16 ? ByteVector.SPECIES_128 : ByteVector.SPECIES_64;
    static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;
    /** Whether the vector kernels apply: a 16-value stretch of a block is one or two whole vectors. */
    static final boolean VECTOR = LANES == 8 || LANES == 16;
    /** Up to this many rows, the stored rows are read directly (a decoding step); above it, panels are dequantized. */
    static final int DIRECT_ROWS = 3;

    private QuantizedMatMul() {
    }

    /** As {@link MatMul#multiply(float[], int, PackedMatrix, float[], Epilogue, float[], float[], Parallel.RangeBody)}. */
    public static void multiply(float[] a, int rows, QuantizedMatrix w, float[] bias, Epilogue epilogue,
                                float[] residual, float[] c, Parallel.RangeBody thenRows) {
        int k = w.k(), n = w.n();
        MatMul.check(a, rows, k, n, bias, epilogue, residual, c);
        if (rows == 0) return;
        int panels = (n + PANEL - 1) / PANEL;
        if (rows <= DIRECT_ROWS) {
            Parallel.forRange(panels, 1, (p0, p1) -> {
                float[] tile = new float[rows * PANEL], lanes = new float[4 * LANES]; // four accumulators on their way to Lanes.sum4
                for (int p = p0; p < p1; p++) {
                    int width = Math.min(PANEL, n - p * PANEL), jj = 0;
                    for (; jj + 4 <= width; jj += 4) {
                        for (int r = 0; r < rows; r++) dot4(w, p * PANEL + jj, a, r * k, tile, r * PANEL + jj, lanes);
                    }
                    for (; jj < width; jj++) {
                        for (int r = 0; r < rows; r++) tile[r * PANEL + jj] = dot(w, p * PANEL + jj, a, r * k, lanes);
                    }
                    MatMul.writeTile(tile, rows, c, n, 0, p * PANEL, bias, epilogue, residual);
                }
            });
        } else {
            MatMul.multiplyByPanels(a, rows, w, bias, epilogue, residual, c);
        }
        if (thenRows != null) Parallel.forRange(rows, 1, thenRows);
    }

    /** Σ_i W[i][j]·x[xOff + i]: stored row j against x. */
    static float dot(QuantizedMatrix w, int j, float[] x, int xOff, float[] lanes) {
        if (!VECTOR) return scalarDot(w, j, x, xOff);
        return switch (w.format(j)) {
            case F16 -> F16Kernels.dot(w, j, x, xOff, lanes);
            case BF16 -> BF16Kernels.dot(w, j, x, xOff, lanes);
            case Q8_0 -> Q8Kernels.dot(w, j, x, xOff, lanes);
            case Q4_0 -> Q4Kernels.dot(w, j, x, xOff, lanes);
            case Q4_K -> Q4KKernels.dot(w, j, x, xOff, lanes);
            case Q6_K -> Q6KKernels.dot(w, j, x, xOff, lanes);
        };
    }

    /** Stored rows j … j+3 against x, into out[o … o+3]; four rows of one format go through its four-row kernel, if it has one. */
    static void dot4(QuantizedMatrix w, int j, float[] x, int xOff, float[] out, int o, float[] lanes) {
        QuantizedMatrix.Format format = w.format(j);
        if (!VECTOR || format != w.format(j + 1) || format != w.format(j + 2) || format != w.format(j + 3)) {
            for (int i = 0; i < 4; i++) out[o + i] = dot(w, j + i, x, xOff, lanes);
            return;
        }
        switch (format) {
            case F16 -> F16Kernels.dot4(w, j, x, xOff, out, o, lanes);
            case BF16 -> BF16Kernels.dot4(w, j, x, xOff, out, o, lanes);
            case Q8_0 -> Q8Kernels.dot4(w, j, x, xOff, out, o, lanes);
            case Q4_0 -> Q4Kernels.dot4(w, j, x, xOff, out, o, lanes);
            case Q4_K, Q6_K -> {
                for (int i = 0; i < 4; i++) out[o + i] = dot(w, j + i, x, xOff, lanes);
            }
        }
    }

    /** Stored row j (W's column j) as floats into out[off, off + k), each value as ggml's dequantization gives it. */
    static void dequantizeRow(QuantizedMatrix w, int j, float[] out, int off) {
        if (!VECTOR) {
            for (int i = 0; i < w.k(); i++) out[off + i] = w.value(j, i);
            return;
        }
        switch (w.format(j)) {
            case F16 -> F16Kernels.dequantize(w, j, out, off);
            case BF16 -> BF16Kernels.dequantize(w, j, out, off);
            case Q8_0 -> Q8Kernels.dequantize(w, j, out, off);
            case Q4_0 -> Q4Kernels.dequantize(w, j, out, off);
            case Q4_K -> Q4KKernels.dequantize(w, j, out, off);
            case Q6_K -> Q6KKernels.dequantize(w, j, out, off);
        }
    }

    /** Signed bytes to floats, as many as a float vector holds. */
    static FloatVector widen(ByteVector q) {
        return (FloatVector) q.convertShape(VectorOperators.B2F, S, 0);
    }

    /** Σ_i W[i][j]·x[xOff + i] in float, value by value: where no vector kernel applies. */
    static float scalarDot(QuantizedMatrix w, int j, float[] x, int xOff) {
        float acc = 0;
        for (int i = 0; i < w.k(); i++) acc += w.value(j, i) * x[xOff + i];
        return acc;
    }
}
