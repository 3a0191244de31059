package org.attentionsearch.weights;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

/**
 * Reads the subset of the ONNX protobuf schema (onnx.proto) that a BERT export uses, straight
 * from the wire format. Field numbers below are those of onnx.proto; unknown fields are skipped.
 */
public final class OnnxReader {

    private final String file;

    private OnnxReader(String file) {
        this.file = file;
    }

    /**
     * Parses a whole model. Any malformed input becomes a {@link ModelFormatException} naming
     * {@code file}; the returned tensors share the bytes of {@code bytes} without copying.
     */
    public static OnnxModel read(byte[] bytes, String file) {
        OnnxReader reader = new OnnxReader(file);
        try {
            CodedInputStream in = CodedInputStream.newInstance(bytes);
            in.enableAliasing(true); // raw_data is most of the file: view it, do not copy it
            in.setRecursionLimit(64);
            return reader.model(in);
        } catch (ModelFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ModelFormatException(file, "is not a readable ONNX model; it is truncated or corrupt (" + reason(e) + ")", e);
        }
    }

    /** The first sentence of protobuf's explanation, which is long. */
    private static String reason(Exception e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) return e.getClass().getSimpleName();
        m = m.replace("While parsing a protocol message, ", "").replace("Protocol message ", "");
        int end = m.indexOf(". ");
        return (end < 0 ? m : m.substring(0, end)).strip();
    }

    private OnnxModel model(CodedInputStream in) throws IOException {
        long irVersion = 0;
        String producer = "";
        String producerVersion = "";
        Map<String, Long> opsets = new LinkedHashMap<>();
        GraphParts graph = null;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) break;
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> irVersion = in.readInt64();
                case 2 -> producer = in.readStringRequireUtf8();
                case 3 -> producerVersion = in.readStringRequireUtf8();
                case 7 -> {
                    // Repeated occurrences of an embedded message merge, as protobuf specifies.
                    if (graph == null) graph = new GraphParts();
                    int old = in.pushLimit(length(in));
                    graph(in, graph);
                    in.popLimit(old);
                }
                case 8 -> {
                    int old = in.pushLimit(length(in));
                    opset(in, opsets);
                    in.popLimit(old);
                }
                default -> in.skipField(tag);
            }
        }
        if (graph == null) throw new ModelFormatException(file, "is not an ONNX model (it has no graph)");
        if (graph.nodes.isEmpty()) throw new ModelFormatException(file, "is not an ONNX model (its graph has no nodes)");
        return new OnnxModel(irVersion, producer, producerVersion, opsets, graph.build());
    }

    private int length(CodedInputStream in) throws IOException {
        int len = in.readRawVarint32();
        if (len < 0) throw new ModelFormatException(file, "is not a readable ONNX model (negative length)");
        return len;
    }

    private void opset(CodedInputStream in, Map<String, Long> opsets) throws IOException {
        String domain = "";
        long version = 0;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> domain = in.readStringRequireUtf8();
                case 2 -> version = in.readInt64();
                default -> in.skipField(tag);
            }
        }
        opsets.put(domain, version);
    }

    private static final class GraphParts {
        String name = "";
        final List<OnnxNode> nodes = new ArrayList<>();
        final Map<String, OnnxTensor> initializers = new LinkedHashMap<>();
        final List<OnnxValueInfo> inputs = new ArrayList<>();
        final List<OnnxValueInfo> outputs = new ArrayList<>();

        OnnxGraph build() {
            return new OnnxGraph(name, nodes, initializers, inputs, outputs);
        }
    }

    private void graph(CodedInputStream in, GraphParts g) throws IOException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int field = WireFormat.getTagFieldNumber(tag);
            if (field == 2) {
                g.name = in.readStringRequireUtf8();
                continue;
            }
            if (field != 1 && field != 5 && field != 11 && field != 12) {
                in.skipField(tag);
                continue;
            }
            int old = in.pushLimit(length(in));
            switch (field) {
                case 1 -> g.nodes.add(node(in));
                case 5 -> {
                    OnnxTensor t = tensor(in);
                    g.initializers.put(t.name(), t);
                }
                case 11 -> g.inputs.add(valueInfo(in));
                default -> g.outputs.add(valueInfo(in));
            }
            in.popLimit(old);
        }
    }

    private OnnxNode node(CodedInputStream in) throws IOException {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String op = "";
        String domain = "";
        Map<String, OnnxAttribute> attributes = new LinkedHashMap<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> inputs.add(in.readStringRequireUtf8());
                case 2 -> outputs.add(in.readStringRequireUtf8());
                case 3 -> name = in.readStringRequireUtf8();
                case 4 -> op = in.readStringRequireUtf8();
                case 7 -> domain = in.readStringRequireUtf8();
                case 5 -> {
                    int old = in.pushLimit(length(in));
                    OnnxAttribute a = attribute(in);
                    in.popLimit(old);
                    attributes.put(a.name(), a);
                }
                default -> in.skipField(tag);
            }
        }
        return new OnnxNode(name, op, domain, List.copyOf(inputs), List.copyOf(outputs), attributes);
    }

    private OnnxAttribute attribute(CodedInputStream in) throws IOException {
        String name = "";
        int type = 0;
        float f = 0;
        long i = 0;
        String s = null;
        OnnxTensor t = null;
        List<Float> floats = new ArrayList<>();
        List<Long> ints = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            int wire = WireFormat.getTagWireType(tag);
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = in.readStringRequireUtf8();
                case 20 -> type = in.readInt32();
                case 2 -> f = in.readFloat();
                case 3 -> i = in.readInt64();
                case 4 -> s = in.readBytes().toString(StandardCharsets.UTF_8);
                case 5 -> {
                    int old = in.pushLimit(length(in));
                    t = tensor(in);
                    in.popLimit(old);
                }
                case 7 -> readFloats(in, wire == WireFormat.WIRETYPE_LENGTH_DELIMITED, floats::add);
                case 8 -> readLongs(in, wire == WireFormat.WIRETYPE_LENGTH_DELIMITED, ints);
                default -> in.skipField(tag); // subgraphs, strings lists, sparse tensors: not used by BERT
            }
        }
        float[] fs = new float[floats.size()];
        for (int k = 0; k < fs.length; k++) fs[k] = floats.get(k);
        long[] is = ints.stream().mapToLong(Long::longValue).toArray();
        return new OnnxAttribute(name, type, f, i, s, t, fs, is);
    }

    private OnnxTensor tensor(CodedInputStream in) throws IOException {
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        ByteString raw = null;
        FloatList floats = null;
        LongList int64s = null;
        LongList int32s = null;
        String externalLocation = null;
        boolean external = false;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            boolean packed = WireFormat.getTagWireType(tag) == WireFormat.WIRETYPE_LENGTH_DELIMITED;
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> readLongs(in, packed, dims);
                case 2 -> dataType = in.readInt32();
                case 4 -> {
                    if (floats == null) floats = new FloatList();
                    readFloats(in, packed, floats::add);
                }
                case 5 -> {
                    if (int32s == null) int32s = new LongList();
                    readLongs(in, packed, int32s);
                }
                case 7 -> {
                    if (int64s == null) int64s = new LongList();
                    readLongs(in, packed, int64s);
                }
                case 8 -> name = in.readStringRequireUtf8();
                case 9 -> raw = in.readBytes();
                case 13 -> {
                    external = true;
                    int old = in.pushLimit(length(in));
                    String[] kv = stringEntry(in);
                    in.popLimit(old);
                    if ("location".equals(kv[0])) externalLocation = kv[1];
                }
                case 14 -> external |= in.readEnum() == 1; // DataLocation.EXTERNAL
                default -> in.skipField(tag);
            }
        }
        long[] d = dims.stream().mapToLong(Long::longValue).toArray();
        int[] i32 = null;
        if (int32s != null) {
            i32 = new int[int32s.size()];
            for (int k = 0; k < i32.length; k++) i32[k] = (int) (long) int32s.get(k);
        }
        String ext = external ? (externalLocation == null ? "unnamed location" : externalLocation) : null;
        return new OnnxTensor(name, dataType, d, raw, floats == null ? null : floats.toArray(),
                int64s == null ? null : int64s.toLongs(), i32, ext);
    }

    private interface FloatSink {
        void add(float v);
    }

    /** A repeated float field, packed (one length-delimited run) or one value per tag. */
    private void readFloats(CodedInputStream in, boolean packed, FloatSink into) throws IOException {
        if (packed) {
            int old = in.pushLimit(length(in));
            while (!in.isAtEnd()) into.add(in.readFloat());
            in.popLimit(old);
        } else {
            into.add(in.readFloat());
        }
    }

    private static void readLongs(CodedInputStream in, boolean packed, List<Long> into) throws IOException {
        if (packed) {
            int old = in.pushLimit(in.readRawVarint32());
            while (!in.isAtEnd()) into.add(in.readInt64());
            in.popLimit(old);
        } else {
            into.add(in.readInt64());
        }
    }

    private String[] stringEntry(CodedInputStream in) throws IOException {
        String[] kv = {"", ""};
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> kv[0] = in.readStringRequireUtf8();
                case 2 -> kv[1] = in.readStringRequireUtf8();
                default -> in.skipField(tag);
            }
        }
        return kv;
    }

    private OnnxValueInfo valueInfo(CodedInputStream in) throws IOException {
        String name = "";
        int elemType = 0;
        List<String> dims = new ArrayList<>();
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            switch (WireFormat.getTagFieldNumber(tag)) {
                case 1 -> name = in.readStringRequireUtf8();
                case 2 -> {
                    int old = in.pushLimit(length(in));
                    elemType = typeProto(in, dims);
                    in.popLimit(old);
                }
                default -> in.skipField(tag);
            }
        }
        return new OnnxValueInfo(name, elemType, List.copyOf(dims));
    }

    /** TypeProto: reads tensor_type (field 1) and returns its elem_type, collecting the shape. */
    private int typeProto(CodedInputStream in, List<String> dims) throws IOException {
        int elemType = 0;
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) != 1) {
                in.skipField(tag);
                continue;
            }
            int old = in.pushLimit(length(in));
            while (!in.isAtEnd()) {
                int t2 = in.readTag();
                switch (WireFormat.getTagFieldNumber(t2)) {
                    case 1 -> elemType = in.readInt32();
                    case 2 -> {
                        int o2 = in.pushLimit(length(in));
                        shape(in, dims);
                        in.popLimit(o2);
                    }
                    default -> in.skipField(t2);
                }
            }
            in.popLimit(old);
        }
        return elemType;
    }

    private void shape(CodedInputStream in, List<String> dims) throws IOException {
        while (!in.isAtEnd()) {
            int tag = in.readTag();
            if (WireFormat.getTagFieldNumber(tag) != 1) {
                in.skipField(tag);
                continue;
            }
            int old = in.pushLimit(length(in));
            String dim = "?";
            while (!in.isAtEnd()) {
                int t2 = in.readTag();
                switch (WireFormat.getTagFieldNumber(t2)) {
                    case 1 -> dim = Long.toString(in.readInt64());
                    case 2 -> dim = in.readStringRequireUtf8();
                    default -> in.skipField(t2);
                }
            }
            in.popLimit(old);
            dims.add(dim);
        }
    }

    /** Growable primitive lists: float_data can hold millions of values. */
    private static final class FloatList {
        private float[] a = new float[16];
        private int n;

        void add(float v) {
            if (n == a.length) a = java.util.Arrays.copyOf(a, n * 2);
            a[n++] = v;
        }

        float[] toArray() {
            return java.util.Arrays.copyOf(a, n);
        }
    }

    private static final class LongList extends ArrayList<Long> {
        long[] toLongs() {
            return stream().mapToLong(Long::longValue).toArray();
        }
    }
}
