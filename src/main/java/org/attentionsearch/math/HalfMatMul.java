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
 * <p>A few rows (decoding one token): one pass over the halves, two stored rows at a time, from
 * panels half a thread's run apart (see {@link #dot2}); threads take runs of
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
                float[] tile = new float[rows * PANEL], next = new float[rows * PANEL], lanes = new float[LANES];
                // panel p beside panel p + half: two streams of halves in flight, far enough apart
                // that they do not run into each other (rows one panel apart gained less)
                int half = (p1 - p0) / 2, p = p0;
                for (; p < p0 + half; p++) {
                    int q = p + half, width = Math.min(PANEL, n - q * PANEL); // of the second; the first is whole
                    for (int jj = 0; jj < PANEL; jj++) {
                        for (int r = 0; r < rows; r++) {
                            int t = r * PANEL + jj;
                            if (jj < width) dot2(w, p * PANEL + jj, half * PANEL, x, r * k, tile, next, t, lanes);
                            else tile[t] = dot(w, p * PANEL + jj, x, r * k, lanes);
                        }
                    }
                    finish(tile, rows, c, n, p, bias, epilogue, residual, e, back);
                    finish(next, rows, c, n, q, bias, epilogue, residual, e, back);
                }
                p += half;
                if (p < p1) {
                    int width = Math.min(PANEL, n - p * PANEL);
                    for (int jj = 0; jj < width; jj++) {
                        for (int r = 0; r < rows; r++) tile[r * PANEL + jj] = dot(w, p * PANEL + jj, x, r * k, lanes);
                    }
                    finish(tile, rows, c, n, p, bias, epilogue, residual, e, back);
                }
            });
        }
        if (thenRows != null) Parallel.forRange(rows, 1, thenRows);
    }

    /** A panel's sums scaled back by 2^e when x was scaled by less than 2^112, then written out. */
    private static void finish(float[] tile, int rows, float[] c, int n, int p, float[] bias, Epilogue epilogue,
                               float[] residual, int e, float back) {
        if (e != 0) for (int t = 0; t < tile.length; t++) tile[t] *= back;
        MatMul.writeTile(tile, rows, c, n, 0, p * PANEL, bias, epilogue, residual);
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

    /**
     * Stored row j against a scaled x: Σ_i raw(h_i)·x_i, two accumulators taking every other
     * vector, added and then summed across lanes. Rows are read one after another in the order
     * they are stored, or two at a time by {@link #dot2}, which sums each the same way.
     */
    static float dot(HalfMatrix w, int j, float[] x, int xOff, float[] lanes) {
        short[] h = w.halves();
        int k = w.k(), at = j * k, i = 0;
        FloatVector a0 = FloatVector.zero(S), a1 = a0;
        // bounds as plain limits: with "i + LANES <= k" C2 did not see a counted loop, and the kernel ran at half speed
        for (int whole = k - k % (2 * LANES); i < whole; i += 2 * LANES) {
            a0 = raw(h, at + i).fma(FloatVector.fromArray(S, x, xOff + i), a0);
            a1 = raw(h, at + i + LANES).fma(FloatVector.fromArray(S, x, xOff + i + LANES), a1);
        }
        for (int whole = k - k % LANES; i < whole; i += LANES) a0 = raw(h, at + i).fma(FloatVector.fromArray(S, x, xOff + i), a0);
        a0.add(a1).intoArray(lanes, 0);
        float s = Lanes.sum(lanes, 0);
        for (; i < k; i++) s += raw(h[at + i]) * x[xOff + i];
        return s;
    }

    /**
     * Stored rows j and j + gap into tile[t] and next[t], each summed exactly as {@link #dot} sums
     * it, with x loaded once for both: two streams from memory in flight at once. (With four
     * accumulators a row, as {@link #dot} once had, the pair ran at half speed as compiled.)
     */
    static void dot2(HalfMatrix w, int j, int gap, float[] x, int xOff, float[] tile, float[] next, int t, float[] lanes) {
        short[] h = w.halves();
        int k = w.k(), at = j * k, bt = (j + gap) * k, i = 0;
        FloatVector a0 = FloatVector.zero(S), a1 = a0, b0 = a0, b1 = a0;
        for (int whole = k - k % (2 * LANES); i < whole; i += 2 * LANES) {
            FloatVector x0 = FloatVector.fromArray(S, x, xOff + i), x1 = FloatVector.fromArray(S, x, xOff + i + LANES);
            a0 = raw(h, at + i).fma(x0, a0);
            b0 = raw(h, bt + i).fma(x0, b0);
            a1 = raw(h, at + i + LANES).fma(x1, a1);
            b1 = raw(h, bt + i + LANES).fma(x1, b1);
        }
        for (int whole = k - k % LANES; i < whole; i += LANES) {
            FloatVector x0 = FloatVector.fromArray(S, x, xOff + i);
            a0 = raw(h, at + i).fma(x0, a0);
            b0 = raw(h, bt + i).fma(x0, b0);
        }
        a0.add(a1).intoArray(lanes, 0);
        float s = Lanes.sum(lanes, 0);
        b0.add(b1).intoArray(lanes, 0);
        float u = Lanes.sum(lanes, 0);
        for (; i < k; i++) {
            s += raw(h[at + i]) * x[xOff + i];
            u += raw(h[bt + i]) * x[xOff + i];
        }
        tile[t] = s;
        next[t] = u;
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
