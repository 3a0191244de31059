package org.attentionsearch.math;

import static org.attentionsearch.math.PackedMatrix.LANES;
import static org.attentionsearch.math.QuantizedMatMul.LE;
import static org.attentionsearch.math.QuantizedMatMul.S;
import static org.attentionsearch.math.QuantizedMatrix.HALF;

import java.lang.foreign.MemorySegment;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * F16 stored rows: IEEE half precision, two bytes a value. A vector of halves h is widened in
 * integer lanes: bits = (h &lt;&lt; 13) &amp; 0x8fffffff puts the sign at bit 31 and exponent and
 * mantissa at bits 13..27 (the sign extension's copies at 28..30 cleared); read as a float and
 * multiplied by 2^112, which moves the exponent's bias from 15 to 127, that is the half's value
 * exactly, subnormal halves included. Infinities and NaNs (exponent 31, bits &amp; 0x0f800000 all
 * set) would come out as numbers in [2^16, 2^17): the kernels watch for them and take those
 * rows value by value instead.
 */
final class F16Kernels {
    private static final VectorSpecies<Short> H = LANES == 16 ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);
    /** A half's exponent field all ones, where its bits lie after the shift. */
    private static final int SPECIAL = 0x0f800000;

    private F16Kernels() {
    }

    /** The half at byte {@code at}, widened exactly (a NaN keeps its payload and becomes quiet, as x86 converts it). */
    static float value(MemorySegment m, long at) {
        return value(m.get(HALF, at));
    }

    /** Whether every half is finite: no exponent of all ones (an infinity or a NaN). */
    static boolean allFinite(short[] halves) {
        for (short h : halves) {
            if ((h & 0x7c00) == 0x7c00) return false;
        }
        return true;
    }

    /** The half h widened exactly, a NaN as {@link #value(MemorySegment, long)} makes it. */
    static float value(short h) {
        if ((h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0) {
            return Float.intBitsToFloat(((h & 0x8000) << 16) | 0x7fc00000 | ((h & 0x03ff) << 13));
        }
        return Float.float16ToFloat(h);
    }

    /** LANES halves from byte {@code at} as float bits, less the bias (see the class comment). */
    private static IntVector bits(MemorySegment m, long at) {
        return ((IntVector) ShortVector.fromMemorySegment(H, m, at, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 13).and(0x8fffffff);
    }

    /** The finite halves' values from their bits. */
    private static FloatVector widen(IntVector bits) {
        return bits.reinterpretAsFloats().mul(0x1p112f);
    }

    /** Σ_i W[i][j]·x[xOff + i], two chains of sums; value by value if the row holds an infinity or NaN. */
    static float dot(QuantizedMatrix w, int j, float[] x, int xOff, float[] lanes) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int k = w.k(), i = 0;
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0;
        IntVector top = IntVector.zero(I);
        for (int pairs = k - k % (2 * LANES); i < pairs; i += 2 * LANES) {
            IntVector h0 = bits(m, at + 2L * i), h1 = bits(m, at + 2L * (i + LANES));
            top = top.max(h0.and(0x0fffffff)).max(h1.and(0x0fffffff));
            acc0 = widen(h0).fma(FloatVector.fromArray(S, x, xOff + i), acc0);
            acc1 = widen(h1).fma(FloatVector.fromArray(S, x, xOff + i + LANES), acc1);
        }
        if (top.reduceLanes(VectorOperators.MAX) >= SPECIAL) return QuantizedMatMul.scalarDot(w, j, x, xOff);
        acc0.add(acc1).intoArray(lanes, 0);
        float sum = Lanes.sum(lanes, 0);
        for (; i < k; i++) sum += value(m, at + 2L * i) * x[xOff + i];
        return sum;
    }

    /** As {@link #dot} for stored rows j … j+3 into out[o … o+3]: each vector of x loaded once for four rows. */
    static void dot4(QuantizedMatrix w, int j, float[] x, int xOff, float[] out, int o, float[] lanes) {
        MemorySegment m = w.data();
        long at0 = w.rowOffset(j), at1 = w.rowOffset(j + 1), at2 = w.rowOffset(j + 2), at3 = w.rowOffset(j + 3);
        int k = w.k(), i = 0;
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        IntVector top = IntVector.zero(I);
        for (int whole = k - k % LANES; i < whole; i += LANES) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
            IntVector h0 = bits(m, at0 + 2L * i), h1 = bits(m, at1 + 2L * i), h2 = bits(m, at2 + 2L * i), h3 = bits(m, at3 + 2L * i);
            top = top.max(h0.and(0x0fffffff)).max(h1.and(0x0fffffff)).max(h2.and(0x0fffffff)).max(h3.and(0x0fffffff));
            acc0 = widen(h0).fma(xv, acc0);
            acc1 = widen(h1).fma(xv, acc1);
            acc2 = widen(h2).fma(xv, acc2);
            acc3 = widen(h3).fma(xv, acc3);
        }
        if (top.reduceLanes(VectorOperators.MAX) >= SPECIAL) {
            for (int r = 0; r < 4; r++) out[o + r] = QuantizedMatMul.scalarDot(w, j + r, x, xOff);
            return;
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, LANES);
        acc2.intoArray(lanes, 2 * LANES);
        acc3.intoArray(lanes, 3 * LANES);
        Lanes.sum4(lanes, 0, out, o);
        for (; i < k; i++) {
            out[o] += value(m, at0 + 2L * i) * x[xOff + i];
            out[o + 1] += value(m, at1 + 2L * i) * x[xOff + i];
            out[o + 2] += value(m, at2 + 2L * i) * x[xOff + i];
            out[o + 3] += value(m, at3 + 2L * i) * x[xOff + i];
        }
    }

    /** Stored row j as floats, exactly: a vector holding an infinity or NaN goes value by value. */
    static void dequantize(QuantizedMatrix w, int j, float[] out, int off) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int k = w.k(), i = 0;
        for (int whole = k - k % LANES; i < whole; i += LANES) {
            IntVector h = bits(m, at + 2L * i);
            if (h.and(SPECIAL).compare(VectorOperators.EQ, SPECIAL).anyTrue()) {
                for (int l = i; l < i + LANES; l++) out[off + l] = value(m, at + 2L * l);
            } else {
                widen(h).intoArray(out, off + i);
            }
        }
        for (; i < k; i++) out[off + i] = value(m, at + 2L * i);
    }
}
