package org.attentionsearch.weights;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a GGUF header from a mapped file: magic "GGUF", a uint32 version (2 or 3, which differ
 * only in that 3 may be big-endian, which we do not read), uint64 tensor and metadata counts,
 * the metadata as key, value type and value, then per tensor its name, uint32 rank, int64
 * dimensions, uint32 ggml type and uint64 offset into the data section, which starts at the
 * next multiple of the alignment. Every count and length is checked against the bytes left
 * before anything is allocated for it; the first problem ends the reading with one sentence.
 */
final class GgufParser {

    static final int DEFAULT_ALIGNMENT = 32;
    static final String ALIGNMENT_KEY = "general.alignment";
    private static final int MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32
    private static final int MAX_NESTING = 16;
    private static final int MAX_ARRAY = Integer.MAX_VALUE - 8; // the largest Java array
    private static final int MIN_KV_BYTES = 8 + 1 + 4 + 1;        // key length, a key byte, type, a UINT8
    private static final int MIN_TENSOR_BYTES = 8 + 1 + 4 + 8 + 4 + 8; // name length, a name byte, rank, a dim, type, offset

    private static final ValueLayout.OfShort SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble DOUBLE = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** What the header says: the data section starts at byte {@code dataStart}. */
    record Header(int version, Map<String, Object> metadata, int alignment, List<GgufTensor> tensors, long dataStart) {
    }

    private final MemorySegment file;
    private final String name;
    private final long size;
    private long pos;

    private GgufParser(MemorySegment file, String name) {
        this.file = file;
        this.name = name;
        this.size = file.byteSize();
    }

    static Header parse(MemorySegment file, String name) {
        return new GgufParser(file, name).header();
    }

    private Header header() {
        if (size < 4 || file.get(INT, 0) != MAGIC) throw fail("is not a GGUF file (it does not start with \"GGUF\")");
        pos = 4;
        int version = u32("the version");
        if (version != 2 && version != 3) throw fail(versionProblem(version));
        long tensorCount = u64("the tensor count");
        long kvCount = u64("the metadata count");
        if (Long.compareUnsigned(kvCount, remaining() / MIN_KV_BYTES) > 0) {
            throw fail("is truncated or corrupt: it declares " + Long.toUnsignedString(kvCount) + " metadata entries but only "
                    + remaining() + " bytes follow");
        }
        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, GgufValueType> types = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = string("the key of metadata entry " + i);
            if (key.isEmpty()) throw fail("has an empty key in metadata entry " + i);
            if (metadata.containsKey(key)) throw fail("has the metadata key " + key + " twice");
            GgufValueType type = valueType("the value type of key " + key, key);
            types.put(key, type);
            metadata.put(key, value(type, key, 0));
        }
        int alignment = alignment(metadata, types);

        if (Long.compareUnsigned(tensorCount, remaining() / MIN_TENSOR_BYTES) > 0) {
            throw fail("is truncated or corrupt: it declares " + Long.toUnsignedString(tensorCount) + " tensors but only "
                    + remaining() + " bytes follow");
        }
        List<GgufTensor> tensors = new ArrayList<>((int) Math.min(tensorCount, 4096));
        Set<String> names = new HashSet<>();
        for (long i = 0; i < tensorCount; i++) {
            GgufTensor t = tensorInfo(i, alignment);
            if (!names.add(t.name())) throw fail("has two tensors named " + t.name());
            tensors.add(t);
        }
        long dataStart = alignUp(pos, alignment);
        checkPlacement(tensors, dataStart);
        return new Header(version, Collections.unmodifiableMap(metadata), alignment, List.copyOf(tensors), dataStart);
    }

    private static String versionProblem(int version) {
        if (version == 1) return "is GGUF version 1, which is not supported (only versions 2 and 3 are)";
        if ((version & 0xffff) == 0 && version != 0) {
            return "has GGUF version " + Integer.toUnsignedString(version) + ", which looks like a big-endian file; only little-endian GGUF files are supported";
        }
        return "has unknown GGUF version " + Integer.toUnsignedString(version) + " (only versions 2 and 3 are supported)";
    }

    /** general.alignment: an integer power of two, 32 when absent. */
    private int alignment(Map<String, Object> metadata, Map<String, GgufValueType> types) {
        Object value = metadata.get(ALIGNMENT_KEY);
        if (value == null) return DEFAULT_ALIGNMENT;
        if (!types.get(ALIGNMENT_KEY).integer()) {
            throw fail("has " + ALIGNMENT_KEY + " of type " + types.get(ALIGNMENT_KEY) + " where an integer is required");
        }
        long a = (Long) value;
        if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
            throw fail("has " + ALIGNMENT_KEY + " " + Long.toUnsignedString(a) + ", which is not a power of two up to 2^30");
        }
        return (int) a;
    }

    private GgufTensor tensorInfo(long index, int alignment) {
        String tensor = string("the name of tensor " + index);
        if (tensor.isEmpty()) throw fail("has an empty name for tensor " + index);
        int rank = u32("the rank of tensor " + tensor);
        if (rank < 1 || rank > 4) throw fail("tensor " + tensor + " has " + Integer.toUnsignedString(rank) + " dimensions; 1 to 4 are allowed");
        long[] dims = new long[rank];
        long elements = 1;
        for (int d = 0; d < rank; d++) {
            dims[d] = u64("the dimensions of tensor " + tensor);
            if (dims[d] < 1) {
                throw fail("tensor " + tensor + " has dimension " + d + " of " + Long.toUnsignedString(dims[d]) + "; every dimension must be at least 1");
            }
            elements = multiply(elements, dims[d], "tensor " + tensor + " has more elements than a 64-bit count holds");
        }
        int typeId = u32("the type of tensor " + tensor);
        GgmlType type = GgmlType.byId(Integer.toUnsignedLong(typeId))
                .orElseThrow(() -> fail("tensor " + tensor + " has unknown ggml type " + Integer.toUnsignedString(typeId)));
        if (dims[0] % type.blockSize() != 0) {
            throw fail("tensor " + tensor + " of type " + type + " has rows of " + dims[0]
                    + " values, not a multiple of its block size " + type.blockSize());
        }
        multiply(elements / type.blockSize(), type.bytesPerBlock(), "tensor " + tensor + " has more bytes than a 64-bit size holds");
        long offset = u64("the offset of tensor " + tensor);
        if (offset < 0) throw fail("tensor " + tensor + " has offset " + Long.toUnsignedString(offset) + ", past the end of the file");
        if (offset % alignment != 0) {
            throw fail("tensor " + tensor + " has offset " + offset + ", not a multiple of the alignment " + alignment);
        }
        return new GgufTensor(tensor, type, dims, offset);
    }

    /** Every tensor's bytes lie inside the file, and no two share a byte. */
    private void checkPlacement(List<GgufTensor> tensors, long dataStart) {
        for (GgufTensor t : tensors) {
            long bytes = t.byteSize();
            if (dataStart > size || t.offset() > size - dataStart || bytes > size - dataStart - t.offset()) {
                throw fail("is truncated: tensor " + t.name() + " needs bytes up to " + Long.toUnsignedString(dataStart + t.offset() + bytes)
                        + " but the file has " + size);
            }
        }
        List<GgufTensor> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(GgufTensor::offset));
        for (int i = 1; i < byOffset.size(); i++) {
            GgufTensor prev = byOffset.get(i - 1);
            GgufTensor cur = byOffset.get(i);
            if (cur.offset() < prev.offset() + prev.byteSize()) {
                throw fail("has overlapping tensors " + prev.name() + " and " + cur.name());
            }
        }
    }

    // ---- values

    private GgufValueType valueType(String what, String key) {
        int id = u32(what);
        return GgufValueType.byId(Integer.toUnsignedLong(id))
                .orElseThrow(() -> fail("key " + key + " has unknown value type " + Integer.toUnsignedString(id)));
    }

    private Object value(GgufValueType type, String key, int depth) {
        String what = "the value of key " + key;
        return switch (type) {
            case UINT8 -> (long) (u8(what) & 0xff);
            case INT8 -> (long) u8(what);
            case UINT16 -> (long) (u16(what) & 0xffff);
            case INT16 -> (long) u16(what);
            case UINT32 -> Integer.toUnsignedLong(u32(what));
            case INT32 -> (long) u32(what);
            case UINT64, INT64 -> u64(what);
            case FLOAT32 -> {
                need(4, what);
                float f = file.get(FLOAT, pos);
                pos += 4;
                yield f;
            }
            case FLOAT64 -> {
                need(8, what);
                double d = file.get(DOUBLE, pos);
                pos += 8;
                yield d;
            }
            case BOOL -> bool(u8(what), key);
            case STRING -> string(what);
            case ARRAY -> array(key, depth + 1);
        };
    }

    private boolean bool(byte b, String key) {
        if (b != 0 && b != 1) throw fail("key " + key + " has the boolean value " + (b & 0xff) + "; GGUF booleans are 0 or 1");
        return b == 1;
    }

    private List<Object> array(String key, int depth) {
        if (depth > MAX_NESTING) throw fail("key " + key + " nests arrays more than " + MAX_NESTING + " deep");
        GgufValueType type = valueType("the element type of key " + key, key);
        long count = u64("the length of key " + key);
        if (Long.compareUnsigned(count, remaining() / type.minBytes()) > 0) {
            throw fail("is truncated or corrupt: key " + key + " declares an array of " + Long.toUnsignedString(count) + " " + type
                    + " values but only " + remaining() + " bytes follow");
        }
        if (count > MAX_ARRAY) throw fail("key " + key + " has an array of " + count + " values, more than a Java array holds");
        int n = (int) count;
        String what = "the array of key " + key;
        return switch (type) {
            case UINT8, INT8 -> MetadataArray.of(bytes(n, what), type == GgufValueType.UINT8);
            case UINT16, INT16 -> {
                short[] v = new short[n];
                copy(SHORT, v, n, what);
                yield MetadataArray.of(v, type == GgufValueType.UINT16);
            }
            case UINT32, INT32 -> {
                int[] v = new int[n];
                copy(INT, v, n, what);
                yield MetadataArray.of(v, type == GgufValueType.UINT32);
            }
            case UINT64, INT64 -> {
                long[] v = new long[n];
                copy(LONG, v, n, what);
                yield MetadataArray.of(v);
            }
            case FLOAT32 -> {
                float[] v = new float[n];
                copy(FLOAT, v, n, what);
                yield MetadataArray.of(v);
            }
            case FLOAT64 -> {
                double[] v = new double[n];
                copy(DOUBLE, v, n, what);
                yield MetadataArray.of(v);
            }
            case BOOL -> {
                byte[] raw = bytes(n, what);
                boolean[] v = new boolean[n];
                for (int i = 0; i < n; i++) v[i] = bool(raw[i], key);
                yield MetadataArray.of(v);
            }
            case STRING -> strings(n, key);
            case ARRAY -> {
                Object[] lists = new Object[n];
                for (int i = 0; i < n; i++) lists[i] = array(key, depth + 1);
                yield MetadataArray.of(lists);
            }
        };
    }

    /** n strings into one block of bytes: a first pass finds their lengths, a second copies them. */
    private MetadataArray strings(int n, String key) {
        String what = "the strings of key " + key;
        long start = pos;
        long total = 0;
        for (int i = 0; i < n; i++) {
            long length = u64(what);
            if (length < 0 || length > remaining()) throw truncated(what);
            pos += length;
            total += length;
        }
        if (total > MAX_ARRAY) throw fail("key " + key + " holds more than 2 GB of strings");
        byte[] utf8 = new byte[(int) total];
        int[] starts = new int[n + 1];
        pos = start;
        int at = 0;
        for (int i = 0; i < n; i++) {
            int length = (int) file.get(LONG, pos);
            MemorySegment.copy(file, ValueLayout.JAVA_BYTE, pos + 8, utf8, at, length);
            if (!Utf8.isValid(utf8, at, at + length)) throw fail("string " + i + " of key " + key + " is not valid UTF-8");
            pos += 8 + length;
            starts[i] = at;
            at += length;
        }
        starts[n] = at;
        return MetadataArray.strings(utf8, starts);
    }

    // ---- primitives

    private long remaining() {
        return size - pos;
    }

    private void need(long n, String what) {
        if (remaining() < n) throw truncated(what);
    }

    private byte u8(String what) {
        need(1, what);
        return file.get(ValueLayout.JAVA_BYTE, pos++);
    }

    private short u16(String what) {
        need(2, what);
        short v = file.get(SHORT, pos);
        pos += 2;
        return v;
    }

    private int u32(String what) {
        need(4, what);
        int v = file.get(INT, pos);
        pos += 4;
        return v;
    }

    private long u64(String what) {
        need(8, what);
        long v = file.get(LONG, pos);
        pos += 8;
        return v;
    }

    private String string(String what) {
        long length = u64(what);
        if (length < 0 || length > remaining()) throw truncated(what);
        if (length > MAX_ARRAY) throw fail("has a string of " + length + " bytes in " + what + ", more than Java holds");
        byte[] utf8 = bytes((int) length, what);
        if (!Utf8.isValid(utf8, 0, utf8.length)) throw fail("has invalid UTF-8 in " + what);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    private byte[] bytes(int n, String what) {
        need(n, what);
        byte[] b = new byte[n];
        MemorySegment.copy(file, ValueLayout.JAVA_BYTE, pos, b, 0, n);
        pos += n;
        return b;
    }

    private void copy(ValueLayout layout, Object array, int n, String what) {
        need((long) n * layout.byteSize(), what);
        MemorySegment.copy(file, layout, pos, array, 0, n);
        pos += n * layout.byteSize();
    }

    private long multiply(long a, long b, String problem) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            throw fail(problem);
        }
    }

    /** The next multiple of {@code alignment} (a power of two up to 2^30, so this cannot overflow). */
    static long alignUp(long at, long alignment) {
        return (at + alignment - 1) & -alignment;
    }

    private ModelFormatException truncated(String what) {
        return fail("is truncated: it ends inside " + what + " (at byte " + pos + " of " + size + ")");
    }

    private ModelFormatException fail(String problem) {
        return new ModelFormatException(name, problem);
    }

    /** Well-formed UTF-8 as Unicode defines it: no overlong forms, no surrogates, nothing above U+10FFFF. */
    static final class Utf8 {

        private Utf8() {
        }

        static boolean isValid(byte[] b, int from, int to) {
            int i = from;
            while (i < to) {
                int c = b[i] & 0xff;
                if (c < 0x80) {
                    i++;
                    continue;
                }
                int n; // continuation bytes
                int lo = 0x80;
                int hi = 0xbf; // the allowed range of the first continuation byte
                if (c >= 0xc2 && c <= 0xdf) {
                    n = 1;
                } else if (c >= 0xe0 && c <= 0xef) {
                    n = 2;
                    if (c == 0xe0) lo = 0xa0;
                    if (c == 0xed) hi = 0x9f;
                } else if (c >= 0xf0 && c <= 0xf4) {
                    n = 3;
                    if (c == 0xf0) lo = 0x90;
                    if (c == 0xf4) hi = 0x8f;
                } else {
                    return false;
                }
                if (i + n >= to) return false; // the sequence runs past the end
                int first = b[i + 1] & 0xff;
                if (first < lo || first > hi) return false;
                for (int k = 2; k <= n; k++) {
                    int cont = b[i + k] & 0xff;
                    if (cont < 0x80 || cont > 0xbf) return false;
                }
                i += n + 1;
            }
            return true;
        }
    }
}
