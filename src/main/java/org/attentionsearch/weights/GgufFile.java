package org.attentionsearch.weights;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.stream.Collectors;

/**
 * A GGUF file (versions 2 and 3), memory-mapped: opening reads and checks the header and the
 * metadata; tensor bytes stay in the mapping until a tensor is asked for, so a large file
 * costs no heap. Metadata values map to Java as: every integer type → {@link Long} (a UINT64
 * above Long.MAX_VALUE keeps its bits), FLOAT32 → {@link Float}, FLOAT64 → {@link Double},
 * BOOL → {@link Boolean}, STRING → {@link String}, ARRAY → an unmodifiable {@code List<Object>}
 * of values mapped the same way. Safe to read from several threads; closing unmaps the file.
 */
public final class GgufFile implements AutoCloseable {

    private static final String READABLE = Arrays.stream(GgmlType.values()).filter(GgmlType::readable)
            .map(GgmlType::name).collect(Collectors.joining(", "));

    private final Path path;
    private final String file;
    private final Arena arena;
    private final MemorySegment mapping;
    private final GgufParser.Header header;
    private final Map<String, GgufTensor> byName;
    private boolean closed;

    private GgufFile(Path path, Arena arena, MemorySegment mapping, GgufParser.Header header) {
        this.path = path;
        this.file = path.toString();
        this.arena = arena;
        this.mapping = mapping;
        this.header = header;
        Map<String, GgufTensor> tensors = new LinkedHashMap<>();
        for (GgufTensor t : header.tensors()) tensors.put(t.name(), t);
        this.byName = tensors;
    }

    /** Maps the file and reads its header; any problem is one {@link ModelFormatException} sentence. */
    public static GgufFile open(Path path) {
        return open(path, Arena.ofShared());
    }

    /**
     * As {@link #open}, the mapping left to the garbage collector: for a model, whose lazy
     * tensors read from it for as long as they are reachable. {@link #close} then stops reads
     * through this object but unmaps nothing.
     */
    public static GgufFile openUntilUnreachable(Path path) {
        return open(path, Arena.ofAuto());
    }

    private static GgufFile open(Path path, Arena arena) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            MemorySegment mapping = channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
            return new GgufFile(path, arena, mapping, GgufParser.parse(mapping, path.toString()));
        } catch (NoSuchFileException e) {
            release(arena);
            throw new ModelFormatException(path.toString(), "does not exist", e);
        } catch (IOException e) {
            release(arena);
            throw new ModelFormatException(path.toString(), "cannot be read: " + e.getMessage(), e);
        } catch (RuntimeException e) {
            release(arena);
            throw e;
        }
    }

    /** Closes an arena that can be closed (an automatic one is the collector's). */
    private static void release(Arena arena) {
        try {
            arena.close();
        } catch (UnsupportedOperationException e) {
            // Arena.ofAuto(): unmapped once unreachable
        }
    }

    public Path path() {
        return path;
    }

    public int version() {
        return header.version();
    }

    /** general.alignment, or 32: tensor offsets and the data section's start are multiples of it. */
    public int alignment() {
        return header.alignment();
    }

    /** The byte where the data section starts; tensor offsets count from here. */
    public long dataOffset() {
        return header.dataStart();
    }

    /** Every metadata entry in file order, unmodifiable. */
    public Map<String, Object> metadata() {
        return header.metadata();
    }

    // ---- typed metadata

    public Optional<String> optionalString(String key) {
        return optional(key, String.class, "a string");
    }

    public String string(String key) {
        return required(key, optionalString(key));
    }

    /** Any integer type, as a long (a UINT64 above Long.MAX_VALUE comes back negative). */
    public OptionalLong optionalLong(String key) {
        Optional<Long> v = optional(key, Long.class, "an integer");
        return v.map(OptionalLong::of).orElse(OptionalLong.empty());
    }

    public long longValue(String key) {
        OptionalLong v = optionalLong(key);
        if (v.isEmpty()) throw missing(key);
        return v.getAsLong();
    }

    /** An integer that must fit an int, such as a count or a length. */
    public int intValue(String key) {
        long v = longValue(key);
        if (v != (int) v) throw new ModelFormatException(file, "has metadata key " + key + " = " + v + ", outside the range of an int");
        return (int) v;
    }

    /** FLOAT32, or FLOAT64 rounded to float. */
    public Optional<Float> optionalFloat(String key) {
        Object v = metadata().get(key);
        if (v == null) return Optional.empty();
        if (v instanceof Float f) return Optional.of(f);
        if (v instanceof Double d) return Optional.of(d.floatValue());
        throw wrongType(key, v, "a float");
    }

    public float floatValue(String key) {
        return required(key, optionalFloat(key));
    }

    public Optional<Boolean> optionalBoolean(String key) {
        return optional(key, Boolean.class, "a boolean");
    }

    public boolean booleanValue(String key) {
        return required(key, optionalBoolean(key));
    }

    @SuppressWarnings("unchecked")
    public Optional<List<Object>> optionalList(String key) {
        return optional(key, List.class, "an array").map(l -> (List<Object>) l);
    }

    public List<Object> list(String key) {
        return required(key, optionalList(key));
    }

    private <T> Optional<T> optional(String key, Class<T> type, String expected) {
        Object v = metadata().get(key);
        if (v == null) return Optional.empty();
        if (!type.isInstance(v)) throw wrongType(key, v, expected);
        return Optional.of(type.cast(v));
    }

    private <T> T required(String key, Optional<T> value) {
        return value.orElseThrow(() -> missing(key));
    }

    private ModelFormatException missing(String key) {
        return new ModelFormatException(file, "has no metadata key " + key);
    }

    private ModelFormatException wrongType(String key, Object value, String expected) {
        String actual = switch (value) {
            case Long l -> "an integer";
            case Float f -> "a float";
            case Double d -> "a float";
            case Boolean b -> "a boolean";
            case String s -> "a string";
            case List<?> l -> "an array";
            default -> value.getClass().getSimpleName();
        };
        return new ModelFormatException(file, "has metadata key " + key + " as " + actual + " where " + expected + " is required");
    }

    // ---- tensors

    /** The tensors in file order. */
    public List<GgufTensor> tensors() {
        return header.tensors();
    }

    public Optional<GgufTensor> findTensor(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public GgufTensor tensor(String name) {
        GgufTensor t = byName.get(name);
        if (t == null) throw new ModelFormatException(file, "has no tensor " + name);
        return t;
    }

    /** The tensor's bytes as stored, a read-only slice of the mapping (valid until close). */
    public MemorySegment data(GgufTensor t) {
        checkOpen();
        checkOwn(t);
        return mapping.asSlice(header.dataStart() + t.offset(), t.byteSize());
    }

    /** The whole mapped file (valid until close): rows of several tensors read in place from one segment. */
    MemorySegment mapping() {
        checkOpen();
        return mapping;
    }

    /** Where the tensor's bytes start in {@link #mapping()}. */
    long start(GgufTensor t) {
        checkOwn(t);
        return header.dataStart() + t.offset();
    }

    /** The tensor as float32 in ggml order (dims[0] fastest), dequantized row by row. */
    public float[] floats(GgufTensor t) {
        checkOwn(t);
        long n = t.elementCount();
        if (n > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(file, "tensor " + t.name() + " has " + n + " values, too many for one float array");
        }
        return rows(t, 0, (int) t.rows());
    }

    /**
     * Rows {@code first} to {@code first + count - 1} of the tensor (a row being dims[0] values,
     * the rows counted over all further dimensions) as float32: an embedding's rows for a few
     * tokens without the whole matrix.
     */
    public float[] rows(GgufTensor t, long first, int count) {
        checkOpen();
        checkOwn(t);
        if (!t.type().readable()) {
            throw new ModelFormatException(file, "tensor " + t.name() + " has type " + t.type()
                    + ", which cannot be read (readable types: " + READABLE + ")");
        }
        if (first < 0 || count < 0 || first > t.rows() - count) {
            throw new IndexOutOfBoundsException("rows " + first + " to " + (first + count) + " of " + t);
        }
        long values = (long) count * t.rowLength();
        if (values > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(file, "tensor " + t.name() + " has " + values + " values in " + count
                    + " rows, too many for one float array");
        }
        int rowLength = (int) t.rowLength();
        long rowBytes = t.type().byteSize(rowLength);
        long start = header.dataStart() + t.offset() + first * rowBytes;
        float[] out = new float[(int) values];
        for (int r = 0; r < count; r++) {
            Dequantizer.toFloat(t.type(), mapping, start + r * rowBytes, out, r * rowLength, rowLength);
        }
        MappedPages.release(mapping.asSlice(start, count * rowBytes));
        return out;
    }

    private void checkOwn(GgufTensor t) {
        if (!t.equals(byName.get(t.name()))) throw new IllegalArgumentException(t + " is not a tensor of " + file);
    }

    private synchronized void checkOpen() {
        if (closed) throw new IllegalStateException(file + " is closed");
    }

    /** Unmaps the file; slices from {@link #data} are no longer valid. */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        release(arena);
    }

    @Override
    public String toString() {
        return "GGUF v" + version() + " " + file + " (" + metadata().size() + " metadata entries, " + tensors().size() + " tensors)";
    }
}
