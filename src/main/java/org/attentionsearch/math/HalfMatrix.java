package org.attentionsearch.math;

import java.lang.foreign.MemorySegment;
import java.util.List;
import java.util.Objects;

import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * A weight matrix W [k × n] of IEEE half-precision values (a file's F16 tensor) copied into one
 * array: stored row j (W's column j) at [j·k, (j + 1)·k), as the file lays it out. Read in place
 * from a mapped file, every vector load goes through a memory segment's checks and rows start
 * at any byte; measured side by side, the same halves decode about a quarter faster from an
 * array. It costs the file's size in memory, two bytes a weight, and a mapped file's pages are
 * released once copied.
 *
 * <p>Every value is finite: infinities and NaNs are refused when the matrix is made (the
 * loaders refuse them earlier, naming the tensor), which is what lets {@link HalfMatMul} widen
 * halves with integer shifts alone.
 */
public final class HalfMatrix implements WeightMatrix {
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED;
    /** A half's exponent field: all ones for infinities and NaNs. */
    private static final short EXPONENT = 0x7c00;

    private final short[] halves;
    private final int k;
    private final int n;

    private HalfMatrix(short[] halves, int k, int n) {
        this.halves = halves;
        this.k = k;
        this.n = n;
    }

    /** Whether a matrix of n stored rows of k values fits in one Java array. */
    public static boolean fits(int k, int n) {
        return (long) k * n <= Integer.MAX_VALUE - 8;
    }

    /** The F16 rows of {@code q}, copied out in row order; a mapped file's pages are then released. */
    public static HalfMatrix of(QuantizedMatrix q) {
        if (!q.formats().equals(List.of(QuantizedMatrix.Format.F16))) {
            throw new IllegalArgumentException("only F16 rows hold one half per value, not " + q.formats());
        }
        int k = q.k(), n = q.n();
        if (!fits(k, n)) throw new IllegalArgumentException(q + " does not fit in one array");
        short[] halves = new short[k * n];
        MemorySegment data = q.data();
        for (int j = 0; j < n; j++) {
            MemorySegment.copy(data, QuantizedMatrix.HALF, q.rowOffset(j), halves, j * k, k);
            q.copied(j);
        }
        int bad = firstNonFinite(halves);
        if (bad >= 0) {
            throw new IllegalArgumentException("W[" + bad % k + "][" + bad / k + "] is not finite (half bits 0x"
                    + Integer.toHexString(halves[bad] & 0xffff) + ")");
        }
        return new HalfMatrix(halves, k, n);
    }

    /** The index of the first infinity or NaN (exponent bits all set), or -1. */
    private static int firstNonFinite(short[] h) {
        int i = 0;
        for (int upper = SHORTS.loopBound(h.length); i < upper; i += SHORTS.length()) {
            if (ShortVector.fromArray(SHORTS, h, i).and(EXPONENT).compare(VectorOperators.EQ, EXPONENT).anyTrue()) break;
        }
        for (; i < h.length; i++) if ((h[i] & EXPONENT) == EXPONENT) return i;
        return -1;
    }

    @Override
    public int k() {
        return k;
    }

    @Override
    public int n() {
        return n;
    }

    /** The halves, stored row j at [j·k, (j + 1)·k). */
    short[] halves() {
        return halves;
    }

    /** W[i][j], widened exactly. */
    float value(int j, int i) {
        return Float.float16ToFloat(halves[j * k + i]);
    }

    @Override
    public void multiply(float[] a, int rows, float[] bias, Epilogue epilogue, float[] residual, float[] c,
                         Parallel.RangeBody thenRows) {
        HalfMatMul.multiply(a, rows, this, bias, epilogue, residual, c, thenRows);
    }

    @Override
    public void column(int j, float[] out, int off) {
        Objects.checkIndex(j, n);
        Objects.checkFromIndexSize(off, k, out.length);
        HalfMatMul.widenRow(this, j, out, off);
    }

    @Override
    public float[] rows(int from, int count) {
        return StoredRows.rows(k, n(), from, count, this::value);
    }

    @Override
    public String toString() {
        return "F16 matrix (halves in an array) " + k + " × " + n;
    }
}
