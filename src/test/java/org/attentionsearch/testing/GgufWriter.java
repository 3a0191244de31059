package org.attentionsearch.testing;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.attentionsearch.weights.GgmlType;
import org.attentionsearch.weights.GgufValueType;

/**
 * Writes GGUF files (version 3, or 2 on request): metadata of every value type, nested arrays
 * included, and tensors given as float32 (stored as F32, F16 or BF16 by our own conversion, or
 * quantized by ggml) or as bytes already in their type's layout. Tensors are laid out in the
 * order added, each at the next multiple of {@code general.alignment} (32 when not set).
 */
public final class GgufWriter {

    /** A typed metadata value; arrays hold values of their element type. */
    public record Value(GgufValueType type, Object value, GgufValueType elementType) {

        public static Value uint8(int v) {
            return new Value(GgufValueType.UINT8, (long) v, null);
        }

        public static Value int8(int v) {
            return new Value(GgufValueType.INT8, (long) v, null);
        }

        public static Value uint16(int v) {
            return new Value(GgufValueType.UINT16, (long) v, null);
        }

        public static Value int16(int v) {
            return new Value(GgufValueType.INT16, (long) v, null);
        }

        public static Value uint32(long v) {
            return new Value(GgufValueType.UINT32, v, null);
        }

        public static Value int32(int v) {
            return new Value(GgufValueType.INT32, (long) v, null);
        }

        /** The bits of {@code v} as an unsigned 64-bit integer. */
        public static Value uint64(long v) {
            return new Value(GgufValueType.UINT64, v, null);
        }

        public static Value int64(long v) {
            return new Value(GgufValueType.INT64, v, null);
        }

        public static Value float32(float v) {
            return new Value(GgufValueType.FLOAT32, v, null);
        }

        public static Value float64(double v) {
            return new Value(GgufValueType.FLOAT64, v, null);
        }

        public static Value bool(boolean v) {
            return new Value(GgufValueType.BOOL, v, null);
        }

        public static Value string(String v) {
            return new Value(GgufValueType.STRING, v.getBytes(StandardCharsets.UTF_8), null);
        }

        /** A string of any bytes, valid UTF-8 or not. */
        public static Value stringBytes(byte[] utf8) {
            return new Value(GgufValueType.STRING, utf8.clone(), null);
        }

        public static Value array(GgufValueType elementType, List<Value> elements) {
            for (Value e : elements) {
                if (e.type != elementType) throw new IllegalArgumentException(e.type + " in an array of " + elementType);
            }
            return new Value(GgufValueType.ARRAY, List.copyOf(elements), elementType);
        }

        public static Value strings(List<String> values) {
            return array(GgufValueType.STRING, values.stream().map(Value::string).toList());
        }

        public static Value int32s(int[] values) {
            return array(GgufValueType.INT32, Arrays.stream(values).mapToObj(Value::int32).toList());
        }

        public static Value float32s(float[] values) {
            List<Value> list = new ArrayList<>(values.length);
            for (float v : values) list.add(float32(v));
            return array(GgufValueType.FLOAT32, list);
        }
    }

    /** A tensor to write: its bytes come from {@code values} (F32, F16, BF16) or are {@code raw}. */
    private record Entry(String name, GgmlType type, long[] dims, float[] values, byte[] raw) {

        long byteSize() {
            return raw != null ? raw.length : (long) values.length * (type == GgmlType.F32 ? 4 : 2);
        }
    }

    private final Map<String, Value> metadata = new LinkedHashMap<>();
    private final List<Entry> tensors = new ArrayList<>();
    private int version = 3;

    /** 3 by default; 2 has the same layout. */
    public GgufWriter version(int version) {
        this.version = version;
        return this;
    }

    public GgufWriter put(String key, Value value) {
        metadata.put(key, value);
        return this;
    }

    public GgufWriter putString(String key, String value) {
        return put(key, Value.string(value));
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, Value.uint32(value));
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, Value.float32(value));
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, Value.bool(value));
    }

    /** Sets general.alignment (a UINT32, as gguf-py writes it). */
    public GgufWriter alignment(int alignment) {
        return putUint32("general.alignment", alignment);
    }

    /**
     * A tensor from float32 values in ggml order (dims[0] fastest): F32 as is, F16 and BF16
     * rounded to nearest even, any quantized type through {@link Ggml#quantize}.
     */
    public GgufWriter tensor(String name, GgmlType type, long[] dims, float[] values) {
        long n = 1;
        for (long d : dims) n *= d;
        if (n != values.length) throw new IllegalArgumentException(name + ": " + Arrays.toString(dims) + " is not " + values.length + " values");
        switch (type) {
            case F32, F16, BF16 -> tensors.add(new Entry(name, type, dims.clone(), values, null));
            default -> {
                int rowLength = (int) dims[0];
                tensors.add(new Entry(name, type, dims.clone(), null, Ggml.quantize(type, values, values.length / rowLength, rowLength)));
            }
        }
        return this;
    }

    /** A tensor given as the bytes of its type's layout. */
    public GgufWriter tensor(String name, GgmlType type, long[] dims, byte[] raw) {
        tensors.add(new Entry(name, type, dims.clone(), null, raw.clone()));
        return this;
    }

    public void write(Path path) {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(path), 1 << 20)) {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public byte[] toBytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private int alignmentValue() {
        Value v = metadata.get("general.alignment");
        return v == null ? 32 : (int) (long) (Long) v.value();
    }

    private void write(OutputStream out) throws IOException {
        int alignment = alignmentValue();
        Encoder header = new Encoder();
        header.bytes("GGUF".getBytes(StandardCharsets.US_ASCII));
        header.u32(version);
        header.u64(tensors.size());
        header.u64(metadata.size());
        for (Map.Entry<String, Value> e : metadata.entrySet()) {
            header.string(e.getKey().getBytes(StandardCharsets.UTF_8));
            header.u32(e.getValue().type().id());
            header.value(e.getValue());
        }
        long offset = 0;
        long[] offsets = new long[tensors.size()];
        for (int i = 0; i < tensors.size(); i++) {
            Entry t = tensors.get(i);
            offsets[i] = offset;
            header.string(t.name().getBytes(StandardCharsets.UTF_8));
            header.u32(t.dims().length);
            for (long d : t.dims()) header.u64(d);
            header.u32(t.type().id());
            header.u64(offset);
            offset = align(offset + t.byteSize(), alignment);
        }
        byte[] head = header.toByteArray();
        out.write(head);
        out.write(new byte[(int) (align(head.length, alignment) - head.length)]);
        for (int i = 0; i < tensors.size(); i++) {
            Entry t = tensors.get(i);
            writeData(t, out);
            out.write(new byte[(int) (align(t.byteSize(), alignment) - t.byteSize())]);
        }
    }

    private static void writeData(Entry t, OutputStream out) throws IOException {
        if (t.raw() != null) {
            out.write(t.raw());
            return;
        }
        float[] v = t.values();
        int width = t.type() == GgmlType.F32 ? 4 : 2;
        ByteBuffer chunk = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < v.length; i++) {
            if (chunk.remaining() < width) {
                out.write(chunk.array(), 0, chunk.position());
                chunk.clear();
            }
            switch (t.type()) {
                case F32 -> chunk.putFloat(v[i]);
                case F16 -> chunk.putShort(Float.floatToFloat16(v[i]));
                case BF16 -> chunk.putShort(toBf16(v[i]));
                default -> throw new IllegalStateException(t.type().toString());
            }
        }
        out.write(chunk.array(), 0, chunk.position());
    }

    /** float32 to bfloat16, rounding to nearest even; a NaN stays a (quiet) NaN. */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) return (short) ((bits >>> 16) | 0x40);
        return (short) ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16);
    }

    private static long align(long at, int alignment) {
        return (at + alignment - 1) / alignment * alignment;
    }

    /** Little-endian GGUF encoding into a growing buffer. */
    private static final class Encoder {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        void bytes(byte[] b) {
            out.writeBytes(b);
        }

        void u8(long v) {
            out.write((int) v);
        }

        void u16(long v) {
            scratch.clear();
            out.write(scratch.putShort((short) v).array(), 0, 2);
        }

        void u32(long v) {
            scratch.clear();
            out.write(scratch.putInt((int) v).array(), 0, 4);
        }

        void u64(long v) {
            scratch.clear();
            out.write(scratch.putLong(v).array(), 0, 8);
        }

        void string(byte[] utf8) {
            u64(utf8.length);
            bytes(utf8);
        }

        void value(Value v) {
            switch (v.type()) {
                case UINT8, INT8 -> u8((Long) v.value());
                case UINT16, INT16 -> u16((Long) v.value());
                case UINT32, INT32 -> u32((Long) v.value());
                case UINT64, INT64 -> u64((Long) v.value());
                case FLOAT32 -> u32(Float.floatToRawIntBits((Float) v.value()));
                case FLOAT64 -> u64(Double.doubleToRawLongBits((Double) v.value()));
                case BOOL -> u8((Boolean) v.value() ? 1 : 0);
                case STRING -> string((byte[]) v.value());
                case ARRAY -> {
                    @SuppressWarnings("unchecked")
                    List<Value> elements = (List<Value>) v.value();
                    u32(v.elementType().id());
                    u64(elements.size());
                    for (Value e : elements) value(e);
                }
            }
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }
    }
}
