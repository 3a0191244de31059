package org.attentionsearch.math;

import static org.attentionsearch.math.PackedMatrix.LANES;
import static org.attentionsearch.math.PackedMatrix.PANEL;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = epilogue(a·W + bias) with W a {@link HalfMatrix}; the contract of {@link MatMul}.
 *
 * <p>A finite half h becomes a float by integer shifts alone: bits = (h &lt;&lt; 13) &amp;
 * 0x8fffffff puts its sign at bit 31 and its exponent and mantissa at bits 13..27, which read
 * as a float is h·2^-112 exactly, subnormal halves included (the exponent's bias is 15, a
 * float's 127). Rather than multiply every weight by 2^112, the decoding step multiplies x
 * once: Σ_i (h_i·2^-112)·(x_i·2^112) is the same sum of the same products, rounded the same
 * way, as Σ_i h_i·x_i. Where some |x_i| ≥ 2^16 would overflow, x is scaled by 2^(112−e)
 * instead and the sums by 2^e afterwards.
 *
 * <p>A few rows (decoding one token): one pass over the halves, four stored rows at a time so
 * that every vector of x is loaded once for four rows; threads take runs of
 * {@link PackedMatrix#PANEL} stored rows. More rows (a prompt): {@link MatMul#multiplyByPanels}.
 * Twin: {@link ScalarMatMul} on W spelled out value by value ({@code w.rows(0, k)}).
 */
public final class HalfMatMul {
    private static final VectorSpecies<Float> S = PackedMatrix.SPECIES;
    /** Halves widened to one float vector: the short species of as many lanes. */
    private static final VectorSpecies<Short> H = LANES == 16 ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    /** Whether the vector kernels apply. */
    static final boolean VECTOR = LANES == 8 || LANES == 16;
    /** Up to this many rows, the halves are read directly; above it, panels are widened. */
    static final int DIRECT_ROWS = 3;
    /** The exponent that x is scaled by when it can be: a half's bits read as a float are its value·2^-BIAS. */
    private static final int BIAS = 112;

    private HalfMatMul() {
    }

    /** As {@link MatMul#multiply(float[], int, PackedMatrix, float[], Epilogue, float[], float[], Parallel.RangeBody)}. */
    public static void multiply(float[] a, int rows, HalfMatrix w, float[] bias, Epilogue epilogue,
                                float[] residual, float[] c, Parallel.RangeBody thenRows) {
        int k = w.k(), n = w.n();
        MatMul.check(a, rows, k, n, bias, epilogue, residual, c);
        if (rows == 0) return;
        if (rows > DIRECT_ROWS || !VECTOR) {
            MatMul.multiplyByPanels(a, rows, w, bias, epilogue, residual, c);
        } else {
            int e = excess(a, rows * k);
            float[] x = scaled(a, rows * k, BIAS - e);
            float back = Math.scalb(1f, e);
            Parallel.forRange((n + PANEL - 1) / PANEL, 1, (p0, p1) -> {
                float[] tile = new float[rows * PANEL], lanes = new float[4 * LANES]; // four accumulators on their way to Lanes.sum4
                for (int p = p0; p < p1; p++) {
                    int width = Math.min(PANEL, n - p * PANEL), jj = 0;
                    for (; jj + 4 <= width; jj += 4) {
                        for (int r = 0; r < rows; r++) dot4(w, p * PANEL + jj, x, r * k, tile, r * PANEL + jj, lanes);
                    }
                    for (; jj < width; jj++) {
                        for (int r = 0; r < rows; r++) tile[r * PANEL + jj] = dot(w, p * PANEL + jj, x, r * k, lanes);
                    }
                    if (e != 0) for (int t = 0; t < tile.length; t++) tile[t] *= back;
                    MatMul.writeTile(tile, rows, c, n, 0, p * PANEL, bias, epilogue, residual);
                }
            });
        }
        if (thenRows != null) Parallel.forRange(rows, 1, thenRows);
    }

    /**
     * e ≥ 0 such that x·2^(112−e) stays finite for all of a[0, length): 0 when every |x| &lt; 2^16,
     * as activations nearly always are. Non-finite values are left to give what they give.
     */
    static int excess(float[] a, int length) {
        float max = 0;
        for (int i = 0; i < length; i++) max = Math.max(max, Math.abs(a[i]));
        return Float.isFinite(max) ? Math.max(0, Math.getExponent(max) - 15) : 0;
    }

    /** a[0, length)·2^exponent, exact for these exponents (no overflow, and scaling up never rounds). */
    private static float[] scaled(float[] a, int length, int exponent) {
        float[] x = new float[length];
        float s = Math.scalb(1f, exponent);
        for (int i = 0; i < length; i++) x[i] = a[i] * s;
        return x;
    }

    /** LANES halves from h[at] as floats of value h·2^-112. */
    private static FloatVector raw(short[] h, int at) {
        return ((IntVector) ShortVector.fromArray(H, h, at).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8fffffff).reinterpretAsFloats();
    }

    /** One half as a float of value h·2^-112. */
    private static float raw(short h) {
        return Float.intBitsToFloat((h << 13) & 0x8fffffff);
    }

    /** Stored rows j … j+3 against a scaled x, into out[o … o+3]: Σ_i raw(h_i)·x_i. */
    static void dot4(HalfMatrix w, int j, float[] x, int xOff, float[] out, int o, float[] lanes) {
        short[] h = w.halves();
        int k = w.k(), h0 = j * k, h1 = h0 + k, h2 = h1 + k, h3 = h2 + k, i = 0;
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        // the bound as a plain limit: with "i + LANES <= k" C2 did not see a counted loop, and the kernel ran at half speed
        for (int whole = k - k % LANES; i < whole; i += LANES) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
            acc0 = raw(h, h0 + i).fma(xv, acc0);
            acc1 = raw(h, h1 + i).fma(xv, acc1);
            acc2 = raw(h, h2 + i).fma(xv, acc2);
            acc3 = raw(h, h3 + i).fma(xv, acc3);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, LANES);
        acc2.intoArray(lanes, 2 * LANES);
        acc3.intoArray(lanes, 3 * LANES);
        Lanes.sum4(lanes, 0, out, o);
        float s0 = out[o], s1 = out[o + 1], s2 = out[o + 2], s3 = out[o + 3];
        for (; i < k; i++) {
            s0 += raw(h[h0 + i]) * x[xOff + i];
            s1 += raw(h[h1 + i]) * x[xOff + i];
            s2 += raw(h[h2 + i]) * x[xOff + i];
            s3 += raw(h[h3 + i]) * x[xOff + i];
        }
        out[o] = s0;
        out[o + 1] = s1;
        out[o + 2] = s2;
        out[o + 3] = s3;
    }

    /** Stored row j alone against a scaled x, summed as {@link #dot4} sums each of its rows. */
    static float dot(HalfMatrix w, int j, float[] x, int xOff, float[] lanes) {
        short[] h = w.halves();
        int k = w.k(), at = j * k, i = 0;
        FloatVector acc = FloatVector.zero(S);
        for (int whole = k - k % LANES; i < whole; i += LANES) acc = raw(h, at + i).fma(FloatVector.fromArray(S, x, xOff + i), acc);
        acc.intoArray(lanes, 0);
        float s = Lanes.sum(lanes, 0);
        for (; i < k; i++) s += raw(h[at + i]) * x[xOff + i];
        return s;
    }

    /** Stored row j (W's column j) as floats into out[off, off + k), exactly. */
    static void widenRow(HalfMatrix w, int j, float[] out, int off) {
        short[] h = w.halves();
        int k = w.k(), at = j * k, i = 0;
        if (VECTOR) {
            for (int whole = k - k % LANES; i < whole; i += LANES) raw(h, at + i).mul(0x1p112f).intoArray(out, off + i);
        }
        for (; i < k; i++) out[off + i] = Float.float16ToFloat(h[at + i]);
    }
}
