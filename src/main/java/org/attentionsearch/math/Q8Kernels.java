package org.attentionsearch.math;

import static org.attentionsearch.math.PackedMatrix.LANES;
import static org.attentionsearch.math.QuantizedMatMul.B;
import static org.attentionsearch.math.QuantizedMatMul.LE;
import static org.attentionsearch.math.QuantizedMatMul.S;
import static org.attentionsearch.math.QuantizedMatMul.widen;
import static org.attentionsearch.math.QuantizedMatrix.HALF;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/** Q8_0 stored rows: blocks of 32 values in 34 bytes, an f16 scale d then 32 signed bytes q; x = d·q. */
final class Q8Kernels {
    private static final int BLOCK = 32, BYTES = 34;

    private Q8Kernels() {
    }

    /** Value {@code within} of the block at byte {@code block}: q·d. */
    static float value(MemorySegment m, long block, int within) {
        return m.get(ValueLayout.JAVA_BYTE, block + 2 + within) * F16Kernels.value(m, block);
    }

    /** Σ_b d_b · Σ_i q_bi·x[32b + i]: each block's bytes widened and multiplied while in registers. */
    static float dot(QuantizedMatrix w, int j, float[] x, int xOff, float[] lanes) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int blocks = w.k() / BLOCK;
        FloatVector acc = FloatVector.zero(S);
        for (int b = 0; b < blocks; b++, at += BYTES) {
            FloatVector sum = FloatVector.zero(S);
            for (int v = 0; v < BLOCK; v += LANES) {
                sum = widen(ByteVector.fromMemorySegment(B, m, at + 2 + v, LE)).fma(FloatVector.fromArray(S, x, xOff + BLOCK * b + v), sum);
            }
            acc = sum.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(HALF, at))), acc);
        }
        acc.intoArray(lanes, 0);
        return Lanes.sum(lanes, 0);
    }

    /** As {@link #dot} for stored rows j … j+3 into out[o … o+3]: each vector of x loaded once for four rows, four chains of sums. */
    static void dot4(QuantizedMatrix w, int j, float[] x, int xOff, float[] out, int o, float[] lanes) {
        MemorySegment m = w.data();
        long at0 = w.rowOffset(j), at1 = w.rowOffset(j + 1), at2 = w.rowOffset(j + 2), at3 = w.rowOffset(j + 3);
        int blocks = w.k() / BLOCK;
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++, at0 += BYTES, at1 += BYTES, at2 += BYTES, at3 += BYTES) {
            FloatVector s0 = FloatVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
            for (int v = 0; v < BLOCK; v += LANES) {
                FloatVector xv = FloatVector.fromArray(S, x, xOff + BLOCK * b + v);
                s0 = widen(ByteVector.fromMemorySegment(B, m, at0 + 2 + v, LE)).fma(xv, s0);
                s1 = widen(ByteVector.fromMemorySegment(B, m, at1 + 2 + v, LE)).fma(xv, s1);
                s2 = widen(ByteVector.fromMemorySegment(B, m, at2 + 2 + v, LE)).fma(xv, s2);
                s3 = widen(ByteVector.fromMemorySegment(B, m, at3 + 2 + v, LE)).fma(xv, s3);
            }
            acc0 = s0.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(HALF, at0))), acc0);
            acc1 = s1.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(HALF, at1))), acc1);
            acc2 = s2.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(HALF, at2))), acc2);
            acc3 = s3.fma(FloatVector.broadcast(S, Float.float16ToFloat(m.get(HALF, at3))), acc3);
        }
        acc0.intoArray(lanes, 0);
        acc1.intoArray(lanes, LANES);
        acc2.intoArray(lanes, 2 * LANES);
        acc3.intoArray(lanes, 3 * LANES);
        Lanes.sum4(lanes, 0, out, o);
    }

    /** Stored row j as floats, q·d in float as ggml rounds it. */
    static void dequantize(QuantizedMatrix w, int j, float[] out, int off) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int blocks = w.k() / BLOCK;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = F16Kernels.value(m, at);
            for (int v = 0; v < BLOCK; v += LANES) {
                widen(ByteVector.fromMemorySegment(B, m, at + 2 + v, LE)).mul(d).intoArray(out, off + BLOCK * b + v);
            }
        }
    }
}
