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
import jdk.incubator.vector.VectorOperators;

/**
 * Q4_0 stored rows: blocks of 32 values in 18 bytes, an f16 scale d then 16 bytes whose low
 * nibbles are values 0..15 and high nibbles values 16..31; x = d·(q − 8).
 */
final class Q4Kernels {
    private static final int BLOCK = 32, BYTES = 18;

    private Q4Kernels() {
    }

    /** Value {@code within} of the block at byte {@code block}: (q − 8)·d. */
    static float value(MemorySegment m, long block, int within) {
        int q = m.get(ValueLayout.JAVA_BYTE, block + 2 + within % 16) & 0xff;
        return ((within < 16 ? q & 0x0f : q >>> 4) - 8) * F16Kernels.value(m, block);
    }

    /** The block at byte {@code block} as 32 signed bytes q − 8 into out[off, off + 32); returns its d. */
    static float signedQuants(MemorySegment m, long block, byte[] out, int off) {
        for (int i = 0; i < 16; i++) {
            int q = m.get(ValueLayout.JAVA_BYTE, block + 2 + i) & 0xff;
            out[off + i] = (byte) ((q & 0x0f) - 8);
            out[off + 16 + i] = (byte) ((q >>> 4) - 8);
        }
        return F16Kernels.value(m, block);
    }

    /** Σ_b d_b · Σ_i (q_bi − 8)·x[32b + i]: each block's nibbles widened and multiplied while in registers. */
    static float dot(QuantizedMatrix w, int j, float[] x, int xOff, float[] lanes) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int blocks = w.k() / BLOCK;
        FloatVector acc = FloatVector.zero(S);
        for (int b = 0; b < blocks; b++, at += BYTES) {
            FloatVector sum = FloatVector.zero(S);
            for (int v = 0; v < 16; v += LANES) {
                ByteVector q = ByteVector.fromMemorySegment(B, m, at + 2 + v, LE);
                sum = widen(low(q)).fma(FloatVector.fromArray(S, x, xOff + BLOCK * b + v), sum);
                sum = widen(high(q)).fma(FloatVector.fromArray(S, x, xOff + BLOCK * b + 16 + v), sum);
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
            for (int v = 0; v < 16; v += LANES) {
                FloatVector lo = FloatVector.fromArray(S, x, xOff + BLOCK * b + v), hi = FloatVector.fromArray(S, x, xOff + BLOCK * b + 16 + v);
                ByteVector q0 = ByteVector.fromMemorySegment(B, m, at0 + 2 + v, LE), q1 = ByteVector.fromMemorySegment(B, m, at1 + 2 + v, LE);
                ByteVector q2 = ByteVector.fromMemorySegment(B, m, at2 + 2 + v, LE), q3 = ByteVector.fromMemorySegment(B, m, at3 + 2 + v, LE);
                s0 = widen(high(q0)).fma(hi, widen(low(q0)).fma(lo, s0));
                s1 = widen(high(q1)).fma(hi, widen(low(q1)).fma(lo, s1));
                s2 = widen(high(q2)).fma(hi, widen(low(q2)).fma(lo, s2));
                s3 = widen(high(q3)).fma(hi, widen(low(q3)).fma(lo, s3));
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

    /** Stored row j as floats, (q − 8)·d in float as ggml rounds it. */
    static void dequantize(QuantizedMatrix w, int j, float[] out, int off) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int blocks = w.k() / BLOCK;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = F16Kernels.value(m, at);
            for (int v = 0; v < 16; v += LANES) {
                ByteVector q = ByteVector.fromMemorySegment(B, m, at + 2 + v, LE);
                widen(low(q)).mul(d).intoArray(out, off + BLOCK * b + v);
                widen(high(q)).mul(d).intoArray(out, off + BLOCK * b + 16 + v);
            }
        }
    }

    /** The first half of a block: the low nibbles, less 8. */
    private static ByteVector low(ByteVector q) {
        return q.and((byte) 0x0f).sub((byte) 8);
    }

    /** The second half: the high nibbles (an unsigned shift of each byte), less 8. */
    private static ByteVector high(ByteVector q) {
        return q.lanewise(VectorOperators.LSHR, 4).sub((byte) 8);
    }
}
