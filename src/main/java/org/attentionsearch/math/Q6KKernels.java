package org.attentionsearch.math;

import static org.attentionsearch.math.PackedMatrix.LANES;
import static org.attentionsearch.math.QuantizedMatMul.B;
import static org.attentionsearch.math.QuantizedMatMul.LE;
import static org.attentionsearch.math.QuantizedMatMul.S;
import static org.attentionsearch.math.QuantizedMatMul.widen;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;

/**
 * Q6_K stored rows: blocks of 256 values in 210 bytes: 128 bytes of low nibbles ql, 64 bytes of
 * 2-bit high parts qh, 16 signed 8-bit scales sc, f16 d. Each half of 128 values uses 64 bytes
 * of ql, 32 of qh and 8 scales; its value l + 32t (l &lt; 32, t &lt; 4) takes the low (t &lt; 2) or
 * high (t ≥ 2) nibble of ql[l + 32·(t mod 2)] and bits 2t, 2t+1 of qh[l] above it, and scale
 * sc[l/16 + 2t]: x = (d·sc)·(q − 32), each product rounded to float as ggml rounds it.
 */
final class Q6KKernels {
    private static final int BLOCK = 256, BYTES = 210;

    private Q6KKernels() {
    }

    /** Value {@code within} of the block at byte {@code block}. */
    static float value(MemorySegment m, long block, int within) {
        int half = within / 128, l = within % 32, t = within % 128 / 32;
        int low = at(m, block + 64 * half + l + 32 * (t % 2)), high = at(m, block + 128 + 32 * half + l);
        int q = ((t < 2 ? low & 0x0f : low >>> 4) | (((high >>> (2 * t)) & 3) << 4)) - 32;
        float d = F16Kernels.value(m, block + 208);
        return d * m.get(ValueLayout.JAVA_BYTE, block + 192 + 8 * half + l / 16 + 2 * t) * q;
    }

    /**
     * The block at byte {@code block} as 256 signed bytes q − 32 in value order into
     * out[off, off + 256) and its 16 scales d·sc, one per 16 values, into scales[at, at + 16).
     */
    static void unpack(MemorySegment m, long block, byte[] out, int off, float[] scales, int at) {
        float d = F16Kernels.value(m, block + 208);
        for (int s = 0; s < 16; s++) scales[at + s] = d * m.get(ValueLayout.JAVA_BYTE, block + 192 + s);
        for (int half = 0; half < 2; half++) {
            long ql = block + 64 * half, qh = block + 128 + 32 * half;
            int o = off + 128 * half;
            for (int l = 0; l < 32; l++) {
                int a = at(m, ql + l), c = at(m, ql + l + 32), h = at(m, qh + l);
                out[o + l] = (byte) (((a & 0x0f) | (h & 3) << 4) - 32);
                out[o + l + 32] = (byte) (((c & 0x0f) | (h >>> 2 & 3) << 4) - 32);
                out[o + l + 64] = (byte) (((a >>> 4) | (h >>> 4 & 3) << 4) - 32);
                out[o + l + 96] = (byte) (((c >>> 4) | (h >>> 6 & 3) << 4) - 32);
            }
        }
    }

    private static int at(MemorySegment m, long offset) {
        return m.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
    }

    /**
     * Σ_i W[i][j]·x[xOff + i]: for each stretch of 16 or fewer l, the four values l + 32t put together
     * from ql and qh in byte lanes, widened, scaled by d·sc and multiplied with x in four chains of sums.
     */
    static float dot(QuantizedMatrix w, int j, float[] x, int xOff, float[] lanes) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int blocks = w.k() / BLOCK;
        FloatVector acc0 = FloatVector.zero(S), acc1 = acc0, acc2 = acc0, acc3 = acc0;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = Float.float16ToFloat(m.get(QuantizedMatrix.HALF, at + 208));
            for (int half = 0; half < 2; half++) {
                long ql = at + 64 * half, qh = at + 128 + 32 * half, sc = at + 192 + 8 * half;
                int o = xOff + BLOCK * b + 128 * half;
                for (int l = 0; l < 32; l += LANES) {
                    ByteVector a = ByteVector.fromMemorySegment(B, m, ql + l, LE), c = ByteVector.fromMemorySegment(B, m, ql + l + 32, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B, m, qh + l, LE);
                    long s = sc + l / 16;
                    acc0 = widen(q0(a, h)).mul(d * m.get(ValueLayout.JAVA_BYTE, s)).fma(FloatVector.fromArray(S, x, o + l), acc0);
                    acc1 = widen(q1(c, h)).mul(d * m.get(ValueLayout.JAVA_BYTE, s + 2)).fma(FloatVector.fromArray(S, x, o + l + 32), acc1);
                    acc2 = widen(q2(a, h)).mul(d * m.get(ValueLayout.JAVA_BYTE, s + 4)).fma(FloatVector.fromArray(S, x, o + l + 64), acc2);
                    acc3 = widen(q3(c, h)).mul(d * m.get(ValueLayout.JAVA_BYTE, s + 6)).fma(FloatVector.fromArray(S, x, o + l + 96), acc3);
                }
            }
        }
        acc0.add(acc1).add(acc2.add(acc3)).intoArray(lanes, 0);
        return Lanes.sum(lanes, 0);
    }

    /** Stored row j as floats: (d·sc)·(q − 32), as ggml rounds each step. */
    static void dequantize(QuantizedMatrix w, int j, float[] out, int off) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int blocks = w.k() / BLOCK;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = F16Kernels.value(m, at + 208);
            for (int half = 0; half < 2; half++) {
                long ql = at + 64 * half, qh = at + 128 + 32 * half, sc = at + 192 + 8 * half;
                int o = off + BLOCK * b + 128 * half;
                for (int l = 0; l < 32; l += LANES) {
                    ByteVector a = ByteVector.fromMemorySegment(B, m, ql + l, LE), c = ByteVector.fromMemorySegment(B, m, ql + l + 32, LE);
                    ByteVector h = ByteVector.fromMemorySegment(B, m, qh + l, LE);
                    long s = sc + l / 16;
                    widen(q0(a, h)).mul(d * m.get(ValueLayout.JAVA_BYTE, s)).intoArray(out, o + l);
                    widen(q1(c, h)).mul(d * m.get(ValueLayout.JAVA_BYTE, s + 2)).intoArray(out, o + l + 32);
                    widen(q2(a, h)).mul(d * m.get(ValueLayout.JAVA_BYTE, s + 4)).intoArray(out, o + l + 64);
                    widen(q3(c, h)).mul(d * m.get(ValueLayout.JAVA_BYTE, s + 6)).intoArray(out, o + l + 96);
                }
            }
        }
    }

    /** t = 0: low nibble of ql[l], qh bits 0..1 above it, less 32. */
    private static ByteVector q0(ByteVector a, ByteVector h) {
        return a.and((byte) 0x0f).or(h.lanewise(VectorOperators.LSHL, 4).and((byte) 0x30)).sub((byte) 32);
    }

    /** t = 1: low nibble of ql[l + 32], qh bits 2..3 above it, less 32. */
    private static ByteVector q1(ByteVector c, ByteVector h) {
        return c.and((byte) 0x0f).or(h.lanewise(VectorOperators.LSHL, 2).and((byte) 0x30)).sub((byte) 32);
    }

    /** t = 2: high nibble of ql[l], qh bits 4..5 above it, less 32. */
    private static ByteVector q2(ByteVector a, ByteVector h) {
        return a.lanewise(VectorOperators.LSHR, 4).or(h.and((byte) 0x30)).sub((byte) 32);
    }

    /** t = 3: high nibble of ql[l + 32], qh bits 6..7 above it, less 32. */
    private static ByteVector q3(ByteVector c, ByteVector h) {
        return c.lanewise(VectorOperators.LSHR, 4).or(h.lanewise(VectorOperators.LSHR, 2).and((byte) 0x30)).sub((byte) 32);
    }
}
