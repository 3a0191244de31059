package org.attentionsearch.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import com.google.protobuf.CodedOutputStream;

/**
 * Makes an ONNX model report its attention probabilities. ONNX Runtime only returns values
 * that the graph declares as outputs, so this appends one graph output per attention Softmax.
 *
 * <p>It does so without re-serializing the model: protobuf merges a repeated occurrence of an
 * embedded message field into the first, appending to its repeated fields. A second
 * ModelProto.graph (field 7) holding only GraphProto.output entries (field 12) therefore adds
 * outputs to the original graph, whatever else the file contains.
 */
public final class OnnxAttentionOutputs {

    /**
     * @param model   the model bytes with the extra outputs
     * @param outputs the attention Softmax output names, layer 0 first
     */
    public record Result(byte[] model, List<String> outputs) {
    }

    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_OUTPUT = 12;
    private static final int VALUE_INFO_NAME = 1;
    private static final int VALUE_INFO_TYPE = 2;
    private static final int TYPE_TENSOR = 1;
    private static final int TENSOR_ELEM_TYPE = 1;
    private static final int FLOAT = 1;

    private OnnxAttentionOutputs() {
    }

    public static Result of(byte[] onnx) {
        List<String> names = softmaxOutputs(OnnxReader.read(onnx, "model").graph());
        return new Result(withOutputs(onnx, names), names);
    }

    /**
     * Every Softmax output in node order. ONNX requires nodes to be topologically sorted, and
     * each layer's Softmax depends on the previous layer's, so node order is layer order.
     */
    static List<String> softmaxOutputs(OnnxGraph graph) {
        List<String> names = new ArrayList<>();
        for (OnnxNode n : graph.nodes()) {
            if (n.is("Softmax")) names.add(n.output(0));
        }
        return names;
    }

    static byte[] withOutputs(byte[] onnx, List<String> names) {
        try {
            ByteArrayOutputStream graph = new ByteArrayOutputStream();
            CodedOutputStream g = CodedOutputStream.newInstance(graph);
            for (String name : names) g.writeByteArray(GRAPH_OUTPUT, floatValueInfo(name));
            g.flush();

            ByteArrayOutputStream model = new ByteArrayOutputStream(onnx.length + graph.size() + 16);
            model.write(onnx);
            CodedOutputStream m = CodedOutputStream.newInstance(model);
            m.writeByteArray(MODEL_GRAPH, graph.toByteArray());
            m.flush();
            return model.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** ValueInfoProto{name, type: TypeProto{tensor_type: {elem_type: FLOAT}}}, shape left open. */
    private static byte[] floatValueInfo(String name) throws IOException {
        byte[] tensorType = message(out -> out.writeInt32(TENSOR_ELEM_TYPE, FLOAT));
        byte[] type = message(out -> out.writeByteArray(TYPE_TENSOR, tensorType));
        return message(out -> {
            out.writeString(VALUE_INFO_NAME, name);
            out.writeByteArray(VALUE_INFO_TYPE, type);
        });
    }

    private interface Body {
        void write(CodedOutputStream out) throws IOException;
    }

    private static byte[] message(Body body) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(bytes);
        body.write(out);
        out.flush();
        return bytes.toByteArray();
    }
}
