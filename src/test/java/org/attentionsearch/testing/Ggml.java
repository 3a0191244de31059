package org.attentionsearch.testing;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BOOLEAN;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.util.stream.IntStream;

import org.attentionsearch.weights.GgmlType;

/**
 * ggml itself (libggml-base of llama.cpp's fixtures) as the reference for its tensor types:
 * dequantization through the type traits' {@code to_float}, quantization through
 * {@code ggml_quantize_chunk} without an importance matrix, and the traits table.
 */
public final class Ggml {

    /** struct ggml_type_traits. */
    static final StructLayout TYPE_TRAITS = MemoryLayout.structLayout(
            ADDRESS.withName("type_name"),
            JAVA_LONG.withName("blck_size"),
            JAVA_LONG.withName("blck_size_interleave"),
            JAVA_LONG.withName("type_size"),
            JAVA_BOOLEAN.withName("is_quantized"),
            MemoryLayout.paddingLayout(7),
            ADDRESS.withName("to_float"),
            ADDRESS.withName("from_float_ref"));

    private static final MethodHandle GET_TYPE_TRAITS = NativeLibraries.ggmlBase("ggml_get_type_traits",
            FunctionDescriptor.of(ADDRESS.withTargetLayout(TYPE_TRAITS), JAVA_INT));
    private static final MethodHandle QUANTIZE_CHUNK = NativeLibraries.ggmlBase("ggml_quantize_chunk",
            FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS));
    private static final MethodHandle BLCK_SIZE = NativeLibraries.ggmlBase("ggml_blck_size", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle TYPE_SIZE = NativeLibraries.ggmlBase("ggml_type_size", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    private static final MethodHandle TYPE_NAME = NativeLibraries.ggmlBase("ggml_type_name",
            FunctionDescriptor.of(ADDRESS.withTargetLayout(MemoryLayout.sequenceLayout(64, JAVA_BYTE)), JAVA_INT));
    private static final FunctionDescriptor TO_FLOAT = FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, JAVA_LONG);

    private Ggml() {
    }

    /** ggml's float32 values for {@code n} values of {@code type} stored in {@code data}. */
    public static float[] toFloat(GgmlType type, MemorySegment data, long n) {
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException(n + " values do not fit one array");
        MemorySegment toFloat = traits(type).get(ADDRESS, TYPE_TRAITS.byteOffset(MemoryLayout.PathElement.groupElement("to_float")));
        if (toFloat.equals(MemorySegment.NULL)) throw new IllegalArgumentException("ggml has no to_float for " + type);
        MethodHandle call = NativeLibraries.LINKER.downcallHandle(toFloat, TO_FLOAT);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(Math.max(1, type.byteSize(n)), 64);
            MemorySegment.copy(data, 0, src, 0, type.byteSize(n));
            MemorySegment out = arena.allocate(JAVA_FLOAT, Math.max(1, n));
            call.invokeExact(src, out, n);
            return out.asSlice(0, n * 4).toArray(JAVA_FLOAT);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static float[] toFloat(GgmlType type, byte[] data, long n) {
        return toFloat(type, MemorySegment.ofArray(data), n);
    }

    /**
     * {@code rows} rows of {@code rowLength} values quantized by ggml (no importance matrix), as
     * the bytes it writes; large tensors are quantized in row ranges on several threads.
     */
    public static byte[] quantize(GgmlType type, float[] values, int rows, int rowLength) {
        if ((long) rows * rowLength != values.length) {
            throw new IllegalArgumentException(rows + " rows of " + rowLength + " are not " + values.length + " values");
        }
        long bytes = type.byteSize((long) rows * rowLength);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment src = arena.allocateFrom(JAVA_FLOAT, values);
            MemorySegment dst = arena.allocate(Math.max(1, bytes), 64);
            int parts = (int) Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), (long) rows * rowLength / (1 << 20)));
            long written = IntStream.range(0, parts).parallel().mapToLong(p -> {
                long first = (long) rows * p / parts;
                long last = (long) rows * (p + 1) / parts;
                try {
                    return (long) QUANTIZE_CHUNK.invokeExact(type.id(), src, dst, first * rowLength, last - first, (long) rowLength, MemorySegment.NULL);
                } catch (Throwable t) {
                    throw rethrow(t);
                }
            }).sum();
            if (written != bytes) throw new IllegalStateException("ggml wrote " + written + " bytes for " + type + ", expected " + bytes);
            return dst.asSlice(0, bytes).toArray(JAVA_BYTE);
        }
    }

    public static long blockSize(int typeId) {
        try {
            return (long) BLCK_SIZE.invokeExact(typeId);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long typeSize(int typeId) {
        try {
            return (long) TYPE_SIZE.invokeExact(typeId);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static String typeName(int typeId) {
        try {
            MemorySegment name = (MemorySegment) TYPE_NAME.invokeExact(typeId);
            return name.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Whether ggml calls the type quantized (its traits' is_quantized). */
    public static boolean isQuantized(int typeId) {
        return traits(typeId).get(JAVA_BOOLEAN, TYPE_TRAITS.byteOffset(MemoryLayout.PathElement.groupElement("is_quantized")));
    }

    private static MemorySegment traits(GgmlType type) {
        return traits(type.id());
    }

    private static MemorySegment traits(int typeId) {
        try {
            return (MemorySegment) GET_TYPE_TRAITS.invokeExact(typeId);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }
}
