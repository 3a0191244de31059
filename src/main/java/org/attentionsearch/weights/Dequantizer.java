package org.attentionsearch.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * ggml's tensor types to float32, one block at a time, in plain scalar code written from the
 * block layouts of ggml-common.h. Each value is computed with the same float operations in
 * the same order as ggml's own dequantization, so the results are equal bit for bit.
 */
public final class Dequantizer {

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfByte BYTE = ValueLayout.JAVA_BYTE;

    private Dequantizer() {
    }

    /**
     * Turns {@code count} values, a whole number of blocks stored from byte {@code offset} of
     * {@code src}, into float32 at {@code out[outOffset]}.
     */
    public static void toFloat(GgmlType type, MemorySegment src, long offset, float[] out, int outOffset, int count) {
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(count + " values are not a whole number of " + type + " blocks");
        }
        int blocks = count / type.blockSize();
        switch (type) {
            case F32 -> MemorySegment.copy(src, FLOAT, offset, out, outOffset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) out[outOffset + i] = f16(src, offset + 2L * i);
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) out[outOffset + i] = bf16(src, offset + 2L * i);
            }
            case Q8_0 -> {
                for (int b = 0; b < blocks; b++) q8_0(src, offset + 34L * b, out, outOffset + 32 * b);
            }
            case Q4_0 -> {
                for (int b = 0; b < blocks; b++) q4_0(src, offset + 18L * b, out, outOffset + 32 * b);
            }
            case Q4_K -> {
                for (int b = 0; b < blocks; b++) q4_k(src, offset + 144L * b, out, outOffset + 256 * b);
            }
            case Q6_K -> {
                for (int b = 0; b < blocks; b++) q6_k(src, offset + 210L * b, out, outOffset + 256 * b);
            }
            default -> throw new UnsupportedOperationException(type + " tensors cannot be read");
        }
    }

    /** IEEE half precision, widened exactly (a NaN keeps its payload and becomes quiet, as on x86). */
    static float f16(MemorySegment src, long at) {
        short h = src.get(SHORT, at);
        if ((h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0) {
            return Float.intBitsToFloat(((h & 0x8000) << 16) | 0x7fc00000 | ((h & 0x03ff) << 13));
        }
        return Float.float16ToFloat(h);
    }

    /** bfloat16 is the upper half of a float32. */
    static float bf16(MemorySegment src, long at) {
        return Float.intBitsToFloat((src.get(SHORT, at) & 0xffff) << 16);
    }

    /** block_q8_0: f16 d, then 32 signed bytes q; x = q·d. */
    private static void q8_0(MemorySegment src, long block, float[] out, int o) {
        float d = f16(src, block);
        for (int j = 0; j < 32; j++) out[o + j] = src.get(BYTE, block + 2 + j) * d;
    }

    /** block_q4_0: f16 d, then 16 bytes whose low nibbles are values 0..15 and high nibbles 16..31; x = (q − 8)·d. */
    private static void q4_0(MemorySegment src, long block, float[] out, int o) {
        float d = f16(src, block);
        for (int j = 0; j < 16; j++) {
            int q = src.get(BYTE, block + 2 + j) & 0xff;
            out[o + j] = ((q & 0x0f) - 8) * d;
            out[o + j + 16] = ((q >>> 4) - 8) * d;
        }
    }

    /**
     * block_q4_K: f16 d and dmin, 12 bytes packing eight 6-bit scales and eight 6-bit mins, then
     * 128 bytes of nibbles. Each 64 values share 32 bytes: low nibbles are the first 32 (sub-block
     * 2i), high nibbles the next 32 (sub-block 2i+1); x = d·scale·q − dmin·min.
     */
    private static void q4_k(MemorySegment src, long block, float[] out, int o) {
        float d = f16(src, block);
        float dmin = f16(src, block + 2);
        long scales = block + 4;
        long qs = block + 16;
        for (int i = 0; i < 4; i++) {
            float d1 = d * scale(src, scales, 2 * i);
            float m1 = dmin * min(src, scales, 2 * i);
            float d2 = d * scale(src, scales, 2 * i + 1);
            float m2 = dmin * min(src, scales, 2 * i + 1);
            for (int l = 0; l < 32; l++) {
                int q = src.get(BYTE, qs + 32L * i + l) & 0xff;
                out[o + 64 * i + l] = d1 * (q & 0x0f) - m1;
                out[o + 64 * i + 32 + l] = d2 * (q >>> 4) - m2;
            }
        }
    }

    /** Sub-block j's 6-bit scale: bytes 0..3 hold scales 0..3 in their low 6 bits; scales 4..7 split over bytes 8..11 and the top bits of 0..3. */
    private static int scale(MemorySegment src, long scales, int j) {
        if (j < 4) return byteAt(src, scales + j) & 63;
        return (byteAt(src, scales + j + 4) & 0x0f) | ((byteAt(src, scales + j - 4) >>> 6) << 4);
    }

    /** Sub-block j's 6-bit min: bytes 4..7 hold mins 0..3; mins 4..7 are the high nibbles of bytes 8..11 and the top bits of 4..7. */
    private static int min(MemorySegment src, long scales, int j) {
        if (j < 4) return byteAt(src, scales + j + 4) & 63;
        return (byteAt(src, scales + j + 4) >>> 4) | ((byteAt(src, scales + j) >>> 6) << 4);
    }

    /**
     * block_q6_K: 128 bytes of low nibbles ql, 64 bytes of 2-bit high parts qh, 16 signed
     * scales, f16 d. Each half of 128 values uses 64 bytes of ql, 32 of qh and 8 scales; value
     * l + 32k of a half takes its low nibble from ql[l] (k = 0, 2) or ql[l + 32] (k = 1, 3), low
     * nibble for k &lt; 2 and high for k ≥ 2, and bits 2k..2k+1 of qh[l]; x = d·scale·(q − 32).
     */
    private static void q6_k(MemorySegment src, long block, float[] out, int o) {
        float d = f16(src, block + 208);
        for (int half = 0; half < 2; half++) {
            long ql = block + 64L * half;
            long qh = block + 128 + 32L * half;
            long sc = block + 192 + 8L * half;
            int base = o + 128 * half;
            for (int l = 0; l < 32; l++) {
                int is = l / 16;
                int lowA = byteAt(src, ql + l);
                int lowB = byteAt(src, ql + l + 32);
                int high = byteAt(src, qh + l);
                int q1 = ((lowA & 0x0f) | ((high & 3) << 4)) - 32;
                int q2 = ((lowB & 0x0f) | (((high >>> 2) & 3) << 4)) - 32;
                int q3 = ((lowA >>> 4) | (((high >>> 4) & 3) << 4)) - 32;
                int q4 = ((lowB >>> 4) | (((high >>> 6) & 3) << 4)) - 32;
                out[base + l] = d * src.get(BYTE, sc + is) * q1;
                out[base + l + 32] = d * src.get(BYTE, sc + is + 2) * q2;
                out[base + l + 64] = d * src.get(BYTE, sc + is + 4) * q3;
                out[base + l + 96] = d * src.get(BYTE, sc + is + 6) * q4;
            }
        }
    }

    private static int byteAt(MemorySegment src, long at) {
        return src.get(BYTE, at) & 0xff;
    }
}
