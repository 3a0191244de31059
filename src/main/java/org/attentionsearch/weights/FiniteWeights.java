package org.attentionsearch.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Refuses a weight that holds a NaN or an infinity, naming the tensor: such a value reaches
 * every output it touches, and a model that computes NaN should fail at load, not answer.
 * One pass over the stored bits, a vector at a time: a value is not finite exactly when its
 * exponent bits are all ones. Quantized blocks are finite when their f16 scales are (their
 * integers are bounded), so only the scales are read.
 */
final class FiniteWeights {

    private static final VectorSpecies<Integer> INTS = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> SHORTS = ShortVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfInt LE_INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int F32_EXPONENT = 0x7f80_0000;
    private static final short F16_EXPONENT = 0x7c00, BF16_EXPONENT = 0x7f80;

    private FiniteWeights() {
    }

    /**
     * Checks a tensor stored as {@code type} in {@code data} (a whole number of blocks), then
     * releases the pages of a mapped file that the check touched: kept until the tensor is read,
     * all of a file's pages would count in the process at once, on top of the weights copied so far.
     */
    static void check(GgmlType type, MemorySegment data, String tensor, String file) {
        long at = switch (type) {
            case F32 -> firstInts(data, F32_EXPONENT);
            case F16 -> firstShorts(data, F16_EXPONENT);
            case BF16 -> firstShorts(data, BF16_EXPONENT);
            case Q8_0, Q4_0 -> firstScale(data, type.bytesPerBlock(), 0);
            case Q4_K -> Math.max(firstScale(data, 144, 0), firstScale(data, 144, 2)); // d and dmin
            case Q6_K -> firstScale(data, 210, 208);
            default -> -1;
        };
        MappedPages.release(data);
        if (at >= 0) {
            throw new ModelFormatException(file, "tensor " + tensor + " holds a value that is not a finite number"
                    + (type.quantized() ? " (a block scale at byte " + at + ")" : " (element " + at + ")"));
        }
    }

    /** Checks values already in float32 (a format that converts them itself). */
    static void check(float[] values, String tensor, String file) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new ModelFormatException(file, "tensor " + tensor + " holds a value that is not a finite number (element " + i + ")");
            }
        }
    }

    /** The index of the first little-endian 32-bit value whose {@code exponent} bits are all set, or -1. */
    private static long firstInts(MemorySegment data, int exponent) {
        long n = data.byteSize() / 4, i = 0;
        int lanes = INTS.length();
        IntVector mask = IntVector.broadcast(INTS, exponent);
        for (; i <= n - lanes; i += lanes) {
            IntVector v = IntVector.fromMemorySegment(INTS, data, 4 * i, ByteOrder.LITTLE_ENDIAN);
            if (v.and(mask).eq(mask).anyTrue()) break;
        }
        for (; i < n; i++) {
            if ((data.get(LE_INT, 4 * i) & exponent) == exponent) return i;
        }
        return -1;
    }

    /** As {@link #firstInts} for 16-bit values. */
    private static long firstShorts(MemorySegment data, short exponent) {
        long n = data.byteSize() / 2, i = 0;
        int lanes = SHORTS.length();
        ShortVector mask = ShortVector.broadcast(SHORTS, exponent);
        for (; i <= n - lanes; i += lanes) {
            ShortVector v = ShortVector.fromMemorySegment(SHORTS, data, 2 * i, ByteOrder.LITTLE_ENDIAN);
            if (v.and(mask).eq(mask).anyTrue()) break;
        }
        for (; i < n; i++) {
            if ((data.get(LE_SHORT, 2 * i) & exponent) == exponent) return i;
        }
        return -1;
    }

    /** The byte offset of the first block whose f16 at {@code offset} within it is not finite, or -1. */
    private static long firstScale(MemorySegment data, int blockBytes, int offset) {
        for (long b = offset; b + 2 <= data.byteSize(); b += blockBytes) {
            if ((data.get(LE_SHORT, b) & F16_EXPONENT) == F16_EXPONENT) return b;
        }
        return -1;
    }
}
