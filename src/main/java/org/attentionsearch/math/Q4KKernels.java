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
 * Q4_K stored rows: blocks of 256 values in 144 bytes: f16 d and dmin, 12 bytes packing eight
 * 6-bit scales sc and eight 6-bit mins mn, then 128 bytes of nibbles q. Bytes 32p..32p+31 of
 * the nibbles hold values 64p..64p+31 (sub-block 2p) in their low nibbles and values
 * 64p+32..64p+63 (sub-block 2p+1) in their high nibbles; value x of sub-block s is
 * x = (d·sc_s)·q − dmin·mn_s, each product rounded to float as ggml rounds it.
 */
final class Q4KKernels {
    private static final int BLOCK = 256, BYTES = 144;

    private Q4KKernels() {
    }

    /** Value {@code within} of the block at byte {@code block}. */
    static float value(MemorySegment m, long block, int within) {
        int s = within / 32, q = m.get(ValueLayout.JAVA_BYTE, block + 16 + 32 * (within / 64) + within % 32) & 0xff;
        float d = F16Kernels.value(m, block), dmin = F16Kernels.value(m, block + 2);
        return d * scale(m, block + 4, s) * (s % 2 == 0 ? q & 0x0f : q >>> 4) - dmin * min(m, block + 4, s);
    }

    /** Sub-block s's 6-bit scale: bytes 0..3 hold scales 0..3 in their low 6 bits; scales 4..7 are the low nibbles of bytes 8..11 under the top bits of 0..3. */
    static int scale(MemorySegment m, long scales, int s) {
        if (s < 4) return at(m, scales + s) & 63;
        return (at(m, scales + s + 4) & 0x0f) | ((at(m, scales + s - 4) >>> 6) << 4);
    }

    /** Sub-block s's 6-bit min: bytes 4..7 hold mins 0..3; mins 4..7 are the high nibbles of bytes 8..11 under the top bits of 4..7. */
    static int min(MemorySegment m, long scales, int s) {
        if (s < 4) return at(m, scales + s + 4) & 63;
        return (at(m, scales + s + 4) >>> 4) | ((at(m, scales + s) >>> 6) << 4);
    }

    /**
     * The block at byte {@code block} as eight blocks of 32 of {@link Int4Matrix}: sub-block s's
     * nibbles into out[off + 16s, off + 16s + 16) (value i in the low nibble of byte i, value
     * i + 16 in its high nibble), its scale d·sc into scales[at + s] and offset dmin·mn into offsets[at + s].
     */
    static void unpack(MemorySegment m, long block, byte[] out, int off, float[] scales, float[] offsets, int at) {
        float d = F16Kernels.value(m, block), dmin = F16Kernels.value(m, block + 2);
        for (int s = 0; s < 8; s++) {
            scales[at + s] = d * scale(m, block + 4, s);
            offsets[at + s] = dmin * min(m, block + 4, s);
            long qs = block + 16 + 32 * (s / 2);
            int shift = 4 * (s % 2);
            for (int i = 0; i < 16; i++) {
                int lo = (at(m, qs + i) >>> shift) & 0x0f, hi = (at(m, qs + 16 + i) >>> shift) & 0x0f;
                out[off + 16 * s + i] = (byte) (lo | hi << 4);
            }
        }
    }

    private static int at(MemorySegment m, long offset) {
        return m.get(ValueLayout.JAVA_BYTE, offset) & 0xff;
    }

    /**
     * Σ_i W[i][j]·x[xOff + i], each stretch of nibbles dequantized in registers, q·(d·sc) − dmin·mn
     * as one fused step, and multiplied with x: low and high nibbles in two chains of sums.
     */
    static float dot(QuantizedMatrix w, int j, float[] x, int xOff, float[] lanes) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int blocks = w.k() / BLOCK;
        FloatVector lo = FloatVector.zero(S), hi = lo;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = Float.float16ToFloat(m.get(QuantizedMatrix.HALF, at)), dmin = Float.float16ToFloat(m.get(QuantizedMatrix.HALF, at + 2));
            for (int p = 0; p < 4; p++) {
                FloatVector d1 = FloatVector.broadcast(S, d * scale(m, at + 4, 2 * p)), m1 = FloatVector.broadcast(S, -(dmin * min(m, at + 4, 2 * p)));
                FloatVector d2 = FloatVector.broadcast(S, d * scale(m, at + 4, 2 * p + 1)), m2 = FloatVector.broadcast(S, -(dmin * min(m, at + 4, 2 * p + 1)));
                int o = xOff + BLOCK * b + 64 * p;
                for (int v = 0; v < 32; v += LANES) {
                    ByteVector q = ByteVector.fromMemorySegment(B, m, at + 16 + 32 * p + v, LE);
                    lo = widen(q.and((byte) 0x0f)).fma(d1, m1).fma(FloatVector.fromArray(S, x, o + v), lo);
                    hi = widen(q.lanewise(VectorOperators.LSHR, 4)).fma(d2, m2).fma(FloatVector.fromArray(S, x, o + 32 + v), hi);
                }
            }
        }
        lo.add(hi).intoArray(lanes, 0);
        return Lanes.sum(lanes, 0);
    }

    /** Stored row j as floats: d1·q − m1 with d1 = d·sc and m1 = dmin·mn, as ggml rounds each step. */
    static void dequantize(QuantizedMatrix w, int j, float[] out, int off) {
        MemorySegment m = w.data();
        long at = w.rowOffset(j);
        int blocks = w.k() / BLOCK;
        for (int b = 0; b < blocks; b++, at += BYTES) {
            float d = F16Kernels.value(m, at), dmin = F16Kernels.value(m, at + 2);
            for (int p = 0; p < 4; p++) {
                float d1 = d * scale(m, at + 4, 2 * p), m1 = dmin * min(m, at + 4, 2 * p);
                float d2 = d * scale(m, at + 4, 2 * p + 1), m2 = dmin * min(m, at + 4, 2 * p + 1);
                int o = off + BLOCK * b + 64 * p;
                for (int v = 0; v < 32; v += LANES) {
                    ByteVector q = ByteVector.fromMemorySegment(B, m, at + 16 + 32 * p + v, LE);
                    widen(q.and((byte) 0x0f)).mul(d1).sub(m1).intoArray(out, o + v);
                    widen(q.lanewise(VectorOperators.LSHR, 4)).mul(d2).sub(m2).intoArray(out, o + 32 + v);
                }
            }
        }
    }
}
