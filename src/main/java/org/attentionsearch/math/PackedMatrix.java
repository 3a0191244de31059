package org.attentionsearch.math;

import java.util.List;
import java.util.Objects;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * A weight matrix W [k × n] (for y = x·W + bias) packed once into the layout that
 * {@link MatMul}'s micro-kernel streams.
 *
 * <p>The columns are cut into panels of {@link #PANEL} columns (the last one padded with zeros).
 * Panel p is stored contiguously, row after row of W: element W[kk][p·PANEL + j] lives at
 * {@code p·k·PANEL + kk·PANEL + j}. The micro-kernel therefore reads one panel as a single
 * sequential stream, {@code PANEL} floats per step of k.
 */
public final class PackedMatrix implements WeightMatrix {
    static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
    static final int LANES = SPECIES.length();
    /** Vectors per panel row, i.e. accumulator columns of the micro-kernel. */
    static final int PANEL_VECTORS = 4;
    /** Columns per panel. */
    static final int PANEL = PANEL_VECTORS * LANES;

    private final float[] data;
    private final int k;
    private final int n;
    private final int panels;

    private PackedMatrix(int k, int n) {
        if (k < 1 || n < 1) {
            throw new IllegalArgumentException("matrix must be non-empty: " + k + " x " + n);
        }
        this.k = k;
        this.n = n;
        this.panels = (n + PANEL - 1) / PANEL;
        this.data = new float[Math.multiplyExact(Math.multiplyExact(panels, k), PANEL)];
    }

    /** Packs W given row-major as {@code w[kk·n + j]}. */
    public static PackedMatrix pack(float[] w, int k, int n) {
        PackedMatrix m = new PackedMatrix(k, n);
        checkLength(w, (long) k * n);
        for (int kk = 0; kk < k; kk++) { // row kk of W is a stretch of PANEL values in each panel
            for (int p = 0; p < m.panels; p++) {
                System.arraycopy(w, kk * n + p * PANEL, m.data, (p * k + kk) * PANEL, Math.min(PANEL, n - p * PANEL));
            }
        }
        return m;
    }

    /**
     * Packs W given transposed, row-major as {@code wt[j·k + kk]} (a PyTorch Linear weight
     * [out, in]); the result equals {@code pack(transpose(wt), k, n)}.
     */
    public static PackedMatrix packTransposed(float[] wt, int n, int k) {
        PackedMatrix m = new PackedMatrix(k, n);
        checkLength(wt, (long) k * n);
        m.putColumns(wt, 0, n);
        return m;
    }

    /** Supplies rows [first, first + count) of a [n × k] matrix, row-major. */
    @FunctionalInterface
    public interface Rows {
        float[] read(int first, int count);
    }

    /**
     * As {@link #packTransposed}, reading Wᵀ [n × k] a block of rows at a time, so that a large
     * matrix (a vocabulary's LM head) is never held whole in its unpacked form as well.
     */
    public static PackedMatrix packTransposed(Rows wt, int n, int k) {
        return packTransposed(List.of(wt), new int[] {n}, k);
    }

    /**
     * As {@link #packTransposed(Rows, int, int)} for Wᵀ given as parts stacked row by row (q, k
     * and v; gate and up), part i holding {@code rows[i]} rows. A block is about 1 MB, small
     * enough for a young collection to reclaim: the blocks of a model's load then never fill
     * the old generation with garbage that only a full collection would free.
     */
    public static PackedMatrix packTransposed(List<Rows> parts, int[] rows, int k) {
        if (parts.size() != rows.length) throw new IllegalArgumentException(parts.size() + " parts but " + rows.length + " row counts");
        int n = 0;
        for (int r : rows) n += r;
        PackedMatrix m = new PackedMatrix(k, n);
        int block = Math.max(1, (1 << 18) / Math.max(1, k) / PANEL) * PANEL; // whole panels
        for (int i = 0, j = 0; i < rows.length; j += rows[i++]) {
            for (int first = 0; first < rows[i]; first += block) {
                int count = Math.min(block, rows[i] - first);
                float[] chunk = parts.get(i).read(first, count);
                checkLength(chunk, (long) count * k);
                m.putColumns(chunk, j + first, count);
            }
        }
        return m;
    }

    /**
     * Columns [first, first + count) of W, given as the stored rows of Wᵀ, {@code wt[(j − first)·k + kk]}.
     * Each column is a strided write down its panel; the threads take whole panels, so no two
     * write into the same one. Loading a model packs tens of millions of weights before the JIT
     * has compiled anything, so the loop is kept to a few bytecodes per weight.
     */
    private void putColumns(float[] wt, int first, int count) {
        Parallel.forRange(count, PANEL, (start, end) -> {
            for (int c = start; c < end; c++) {
                int j = first + c, p = j / PANEL;
                int at = p * k * PANEL + (j - p * PANEL), from = c * k;
                for (int kk = 0; kk < k; kk++, at += PANEL) data[at] = wt[from + kk];
            }
        });
    }

    private static void checkLength(float[] w, long expected) {
        if (w.length != expected) {
            throw new IllegalArgumentException("expected " + expected + " weights, got " + w.length);
        }
    }

    private int index(int kk, int j) {
        int p = j / PANEL;
        return (p * k + kk) * PANEL + (j - p * PANEL);
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int n() {
        return n;
    }

    @Override
    public void multiply(float[] a, int rows, float[] bias, Epilogue epilogue, float[] residual, float[] c,
                         Parallel.RangeBody thenRows) {
        MatMul.multiply(a, rows, this, bias, epilogue, residual, c, thenRows);
    }

    int panels() {
        return panels;
    }

    float[] data() {
        return data;
    }

    /** Column j of W, W[0..k)[j], into out[off, off + k): a strided gather across the panel's rows. */
    @Override
    public void column(int j, float[] out, int off) {
        Objects.checkIndex(j, n);
        int p = j / PANEL;
        int base = p * k * PANEL + (j - p * PANEL);
        for (int kk = 0; kk < k; kk++) out[off + kk] = data[base + kk * PANEL];
    }

    /** Rows [from, from + count) of W, [count × n] row-major: a panel's stretch of each row at a time. */
    @Override
    public float[] rows(int from, int count) {
        Objects.checkFromIndexSize(from, count, k);
        float[] out = new float[Math.multiplyExact(count, n)];
        for (int r = 0; r < count; r++) {
            for (int p = 0; p < panels; p++) {
                int width = Math.min(PANEL, n - p * PANEL);
                System.arraycopy(data, (p * k + from + r) * PANEL, out, r * n + p * PANEL, width);
            }
        }
        return out;
    }

    /** ‖W[·][j]‖ for every column j, in one pass over the packed panels. */
    @Override
    public float[] columnNorms() {
        double[] sums = new double[panels * PANEL];
        for (int p = 0; p < panels; p++) {
            for (int kk = 0; kk < k; kk++) {
                int at = (p * k + kk) * PANEL;
                for (int j = 0; j < PANEL; j++) sums[p * PANEL + j] += (double) data[at + j] * data[at + j];
            }
        }
        float[] out = new float[n];
        for (int j = 0; j < n; j++) out[j] = (float) Math.sqrt(sums[j]);
        return out;
    }

    /** W[kk][j], for tests and debugging. */
    float get(int kk, int j) {
        return data[index(kk, j)];
    }
}
