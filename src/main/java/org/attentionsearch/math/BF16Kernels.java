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

/** BF16 stored rows: bfloat16, the upper 16 bits of a float32, so x = float(h &lt;&lt; 16), exact for every value. */
final class BF16Kernels {
    private static final VectorSpecies<Short> H = LANES == 16 ? ShortVector.SPECIES_256 : ShortVector.SPECIES_128;
    private static final VectorSpecies<Integer> I = S.withLanes(int.class);

    private BF16Kernels() {
    }

    static float value(MemorySegment m, long at) {
        return Float.intBitsToFloat(m.get(HALF, at) << 16);
    }

    /** LANES bfloat16 values from byte {@code at}, widened. */
    private static FloatVector widen(MemorySegment m, long at) {
        return ((IntVector) ShortVector.fromMemorySegment(H, m, at, LE).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /** Σ_i W[i][j]·x[xOff + i], two chains of sums. */
    static float dot(QuantizedMatrix w, int j, float[] x, int xOff, float[] lanes) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int k = w.k(), i = 0;
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0;
        for (int pairs = k - k % (2 * LANES); i < pairs; i += 2 * LANES) {
            acc0 = widen(m, at + 2L * i).fma(FloatVector.fromArray(S, x, xOff + i), acc0);
            acc1 = widen(m, at + 2L * (i + LANES)).fma(FloatVector.fromArray(S, x, xOff + i + LANES), acc1);
        }
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
        for (int whole = k - k % LANES; i < whole; i += LANES) {
            FloatVector xv = FloatVector.fromArray(S, x, xOff + i);
            acc0 = widen(m, at0 + 2L * i).fma(xv, acc0);
            acc1 = widen(m, at1 + 2L * i).fma(xv, acc1);
            acc2 = widen(m, at2 + 2L * i).fma(xv, acc2);
            acc3 = widen(m, at3 + 2L * i).fma(xv, acc3);
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

    /** Stored row j as floats. */
    static void dequantize(QuantizedMatrix w, int j, float[] out, int off) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int k = w.k(), i = 0;
        for (int whole = k - k % LANES; i < whole; i += LANES) widen(m, at + 2L * i).intoArray(out, off + i);
        for (; i < k; i++) out[off + i] = value(m, at + 2L * i);
    }
}
