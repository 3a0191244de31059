package org.attentionsearch.weights;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionsearch.math.QuantizedMatrix;
import org.attentionsearch.text.Excerpt;

/**
 * The safetensors format: an unsigned 64-bit little-endian header length N, N bytes of JSON
 * mapping each tensor name to its dtype, shape and [begin, end) byte range in the data that
 * follows, then the data. Files are memory-mapped and tensors read lazily from the mapping;
 * F32 is read as is; F16 and BF16 are widened to float32 exactly, and their matrices are also
 * offered as they lie, to be multiplied in place. Reading checks what the header declares
 * against the bytes present: the tensors cover the data exactly (no gap, overlap or trailing
 * byte, so a wrong header length cannot shift every value), and every value of a tensor that
 * is read is a finite number.
 * Writing produces F32 only, names sorted, with the header padded by spaces to 8 bytes.
 */
public final class SafeTensors {

    private static final long MAX_HEADER = 100L << 20; // the reference implementation's limit
    private static final int MAX_NAME = 1024;
    private static final ValueLayout.OfLong LE_LONG = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat LE_FLOAT = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort LE_SHORT = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final Map<String, Integer> DTYPE_BYTES = Map.ofEntries(
            Map.entry("F64", 8), Map.entry("F32", 4), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I64", 8), Map.entry("I32", 4), Map.entry("I16", 2), Map.entry("I8", 1),
            Map.entry("U64", 8), Map.entry("U32", 4), Map.entry("U16", 2), Map.entry("U8", 1),
            Map.entry("BOOL", 1), Map.entry("F8_E4M3", 1), Map.entry("F8_E5M2", 1));
    private static final Map<String, GgmlType> FLOAT_DTYPES = Map.of("F32", GgmlType.F32, "F16", GgmlType.F16, "BF16", GgmlType.BF16);
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private SafeTensors() {
    }

    private record Entry(String name, String dtype, int[] shape, long begin, long end) {
    }

    /** Every tensor of a file, memory-mapped: values are read from the mapping when asked for. */
    public static Map<String, Tensor> read(Path path) {
        return read(path, name -> true);
    }

    /** The tensors {@code wanted} accepts, memory-mapped (see {@link #read(MemorySegment, String, Predicate)}). */
    public static Map<String, Tensor> read(Path path, Predicate<String> wanted) {
        return read(map(path), path.toString(), wanted);
    }

    /**
     * A sharded checkpoint: model.safetensors.index.json's weight_map names, for every tensor,
     * the shard holding it (beside the index). Each shard is mapped once; every tensor the map
     * names must be in its shard.
     */
    public static Map<String, Tensor> readShards(Path index, Predicate<String> wanted) {
        JsonNode root;
        try {
            root = JSON.readTree(Files.readAllBytes(index));
        } catch (JacksonException e) {
            throw new ModelFormatException(index.toString(), "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(index.toString(), "cannot be read: " + e.getMessage(), e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject() || map.isEmpty()) {
            throw new ModelFormatException(index.toString(), "has no weight_map naming the shard of each tensor");
        }
        Map<String, List<String>> byShard = new TreeMap<>();
        for (Map.Entry<String, JsonNode> e : map.properties()) {
            String shard = e.getValue().asText("");
            if (!e.getValue().isTextual() || shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.startsWith(".")) {
                throw new ModelFormatException(index.toString(), "names an invalid shard file for " + Excerpt.of(e.getKey())
                        + ": " + Excerpt.of(e.getValue()));
            }
            byShard.computeIfAbsent(shard, k -> new ArrayList<>()).add(e.getKey());
        }
        Map<String, Tensor> out = new LinkedHashMap<>();
        Path dir = index.toAbsolutePath().getParent();
        for (Map.Entry<String, List<String>> e : byShard.entrySet()) {
            Path shard = dir.resolve(e.getKey());
            if (!Files.isRegularFile(shard)) throw new ModelFormatException(shard.toString(), "is missing (a shard that " + index.getFileName() + " names)");
            java.util.Set<String> mine = new java.util.HashSet<>(e.getValue());
            Map<String, Tensor> tensors = read(shard, name -> mine.contains(name) && wanted.test(name));
            for (String name : e.getValue()) {
                if (wanted.test(name) && !tensors.containsKey(name)) {
                    throw new ModelFormatException(shard.toString(), "does not hold " + name + ", which " + index.getFileName() + " places there");
                }
            }
            out.putAll(tensors);
        }
        return out;
    }

    public static Map<String, Tensor> read(byte[] bytes, String file) {
        return read(MemorySegment.ofArray(bytes), file, name -> true);
    }

    public static Map<String, Tensor> read(byte[] bytes, String file, Predicate<String> wanted) {
        return read(MemorySegment.ofArray(bytes), file, wanted);
    }

    /**
     * Reads the tensors whose names {@code wanted} accepts, in header order, as lazy tensors over
     * {@code bytes}. Every entry's range is checked, but only wanted tensors need a supported dtype
     * and have their values checked.
     */
    public static Map<String, Tensor> read(MemorySegment bytes, String file, Predicate<String> wanted) {
        return read(bytes, file, wanted, true);
    }

    /** As {@link #read(MemorySegment, String, Predicate)}; {@code checkFinite} false trusts the values (bytes known to be checked ones). */
    static Map<String, Tensor> read(MemorySegment bytes, String file, Predicate<String> wanted, boolean checkFinite) {
        long size = bytes.byteSize();
        if (size < 8) throw new ModelFormatException(file, "is too short to be a safetensors file");
        long headerLength = bytes.get(LE_LONG, 0);
        if (headerLength < 2 || headerLength > MAX_HEADER) {
            throw new ModelFormatException(file, "is not a safetensors file (header length " + Long.toUnsignedString(headerLength) + ")");
        }
        if (8 + headerLength > size) {
            throw new ModelFormatException(file, "is truncated: its header needs " + headerLength + " bytes but the file has "
                    + (size - 8) + " after the length");
        }
        long dataStart = 8 + headerLength;
        byte[] header = bytes.asSlice(8, headerLength).toArray(ValueLayout.JAVA_BYTE);
        List<Entry> entries = parseHeader(header, file);
        checkRanges(entries, size - dataStart, file);

        Map<String, Tensor> out = new LinkedHashMap<>();
        for (Entry e : entries) {
            if (!wanted.test(e.name())) continue;
            GgmlType type = FLOAT_DTYPES.get(e.dtype());
            if (type == null) {
                throw new ModelFormatException(file, "tensor " + e.name() + " has dtype " + e.dtype()
                        + "; only F32, F16 and BF16 weights are supported");
            }
            MemorySegment data = bytes.asSlice(dataStart + e.begin(), e.end() - e.begin());
            if (checkFinite) FiniteWeights.check(type, data, e.name(), file);
            long rowBytes = e.shape().length == 0 || e.shape()[0] == 0 ? 0 : (e.end() - e.begin()) / e.shape()[0];
            Tensor t = Tensor.lazy(e.name(), e.shape(), () -> MappedPages.copied(toFloats(e.dtype(), data), data),
                    (first, count) -> {
                        MemorySegment rows = data.asSlice(first * rowBytes, count * rowBytes);
                        return MappedPages.copied(toFloats(e.dtype(), rows), rows);
                    });
            out.put(e.name(), inPlace(t, e.dtype(), bytes, dataStart + e.begin()));
        }
        return out;
    }

    /**
     * An F16 or BF16 matrix [rows × cols] offered as it lies, for a layer to multiply in place: its
     * rows are W's columns, as for a PyTorch Linear weight [out × in] or a vocabulary table (the
     * loader takes it away from a GPT-2 Conv1D weight [in × out], whose rows are W's rows). Its
     * offsets are into the whole file's mapping, so matrices of one file can be stacked.
     */
    private static Tensor inPlace(Tensor t, String dtype, MemorySegment file, long offset) {
        int[] shape = t.shape();
        if (shape.length != 2 || shape[0] == 0 || shape[1] == 0) return t;
        return switch (dtype) {
            case "F16" -> t.withQuantized(QuantizedMatrix.contiguous(QuantizedMatrix.Format.F16, file, offset, shape[0], shape[1]));
            case "BF16" -> t.withQuantized(QuantizedMatrix.contiguous(QuantizedMatrix.Format.BF16, file, offset, shape[0], shape[1]));
            default -> t;
        };
    }

    /** Maps a file read-only; the mapping lives as long as something refers to it. */
    static MemorySegment map(Path path) {
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), Arena.ofAuto());
        } catch (IOException e) {
            throw new ModelFormatException(path.toString(), "cannot be read: " + e.getMessage(), e);
        }
    }

    private static List<Entry> parseHeader(byte[] header, String file) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new ModelFormatException(file, "has a malformed safetensors header: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new ModelFormatException(file, "has a safetensors header that is not a JSON object");
        List<Entry> entries = new ArrayList<>();
        for (Map.Entry<String, JsonNode> f : root.properties()) {
            if (f.getKey().equals("__metadata__")) continue;
            entries.add(entry(f.getKey(), f.getValue(), file));
        }
        return entries;
    }

    private static Entry entry(String name, JsonNode node, String file) {
        JsonNode dtype = node.get("dtype");
        JsonNode shape = node.get("shape");
        JsonNode offsets = node.get("data_offsets");
        if (dtype == null || !dtype.isTextual() || shape == null || !shape.isArray()
                || offsets == null || !offsets.isArray() || offsets.size() != 2) {
            throw new ModelFormatException(file, "has a malformed header entry for tensor " + Excerpt.of(name));
        }
        int[] dims = new int[shape.size()];
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToInt() || !d.isIntegralNumber() || d.intValue() < 0) {
                throw new ModelFormatException(file, "tensor " + Excerpt.of(name) + " has an invalid shape " + Excerpt.of(shape));
            }
            dims[i] = d.intValue();
        }
        long begin = offset(offsets.get(0), name, file);
        long end = offset(offsets.get(1), name, file);
        if (name.isEmpty() || name.length() > MAX_NAME) {
            throw new ModelFormatException(file, "has a tensor name of " + name.length() + " characters: " + Excerpt.of(name));
        }
        return new Entry(name, dtype.asText(), dims, begin, end);
    }

    private static long offset(JsonNode n, String name, String file) {
        if (!n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0) {
            throw new ModelFormatException(file, "tensor " + Excerpt.of(name) + " has an invalid data offset " + Excerpt.of(n));
        }
        return n.longValue();
    }

    /**
     * Each range must match its dtype and shape, and together they must cover the data exactly:
     * from byte 0, each tensor where the one before ends, the last at the end of the file.
     */
    private static void checkRanges(List<Entry> entries, long dataLength, String file) {
        for (Entry e : entries) {
            Integer size = DTYPE_BYTES.get(e.dtype());
            if (size == null) throw new ModelFormatException(file, "tensor " + e.name() + " has unknown dtype " + Excerpt.of(e.dtype()));
            long n = 1;
            for (int d : e.shape()) {
                n *= d;
                if (n > Integer.MAX_VALUE) throw new ModelFormatException(file, "tensor " + e.name() + " is too large");
            }
            if (e.end() < e.begin() || e.end() - e.begin() != n * size) {
                throw new ModelFormatException(file, "tensor " + e.name() + " of dtype " + e.dtype() + " and shape "
                        + Arrays.toString(e.shape()) + " has data_offsets [" + e.begin() + ", " + e.end()
                        + "] that do not hold " + n * size + " bytes");
            }
            if (e.end() > dataLength) {
                throw new ModelFormatException(file, "is truncated: tensor " + e.name() + " ends at byte " + e.end()
                        + " of the data but the file holds " + dataLength);
            }
        }
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long covered = 0;
        String previous = null;
        for (Entry cur : sorted) {
            if (cur.begin() < covered) {
                throw new ModelFormatException(file, "tensors " + previous + " and " + cur.name() + " overlap in the data");
            }
            if (cur.begin() > covered) {
                throw new ModelFormatException(file, "has " + bytes(cur.begin() - covered) + " of data before tensor " + cur.name()
                        + " that no tensor holds (at byte " + covered + " of the data)");
            }
            covered = cur.end();
            previous = cur.name();
        }
        if (covered != dataLength) {
            throw new ModelFormatException(file, "has " + bytes(dataLength - covered) + " after its last tensor that no tensor holds;"
                    + " the data should end at byte " + covered + " (is the header length right?)");
        }
    }

    private static String bytes(long n) {
        return n == 1 ? "1 byte" : n + " bytes";
    }

    /** F32 as is; F16 and BF16 widened exactly (bfloat16 is the upper half of a float32's bits). */
    private static float[] toFloats(String dtype, MemorySegment data) {
        return switch (dtype) {
            case "F32" -> data.toArray(LE_FLOAT);
            case "F16" -> {
                float[] out = new float[(int) (data.byteSize() / 2)];
                for (int i = 0; i < out.length; i++) out[i] = Float.float16ToFloat(data.get(LE_SHORT, 2L * i));
                yield out;
            }
            case "BF16" -> {
                float[] out = new float[(int) (data.byteSize() / 2)];
                for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((data.get(LE_SHORT, 2L * i) & 0xffff) << 16);
                yield out;
            }
            default -> throw new IllegalStateException(dtype);
        };
    }

    // ---- writing

    /** The file's bytes for these tensors as F32, names sorted, metadata {"format": "pt"}. */
    public static void write(Map<String, Tensor> tensors, Path path) {
        Map<String, Tensor> sorted = new TreeMap<>(tensors);
        byte[] header = header(sorted);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
            out.write(header);
            ByteBuffer buf = ByteBuffer.allocate(4 << 20).order(ByteOrder.LITTLE_ENDIAN);
            for (Tensor t : sorted.values()) {
                float[] values = t.data(); // once: a lazy tensor computes its values on every call
                for (int from = 0; from < values.length; from += buf.capacity() / 4) {
                    int count = Math.min(buf.capacity() / 4, values.length - from);
                    buf.clear();
                    buf.asFloatBuffer().put(values, from, count);
                    out.write(buf.array(), 0, 4 * count);
                }
            }
        } catch (IOException e) {
            throw new ModelFormatException(path.toString(), "cannot be written: " + e.getMessage(), e);
        }
    }

    /** The JSON header, padded with spaces so the data starts at a multiple of 8 bytes. */
    static byte[] header(Map<String, Tensor> sorted) {
        ObjectNode root = JSON.createObjectNode();
        root.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Tensor t : sorted.values()) {
            ObjectNode e = root.putObject(t.name());
            e.put("dtype", "F32");
            ArrayNode shape = e.putArray("shape");
            for (int d : t.shape()) shape.add(d);
            long end = offset + 4L * t.elements();
            e.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = JSON.writeValueAsBytes(root);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
        int padded = (json.length + 7) / 8 * 8; // 8 + padded is then a multiple of 8
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    static byte[] readFile(Path path) {
        try {
            if (Files.size(path) > Integer.MAX_VALUE - 8) {
                throw new ModelFormatException(path.toString(), "is larger than 2 GB, which is not supported");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new ModelFormatException(path.toString(), "cannot be read: " + e.getMessage(), e);
        }
    }
}
