package org.attentionsearch.weights;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An ONNX GraphProto with lookups for walking it: which node produces a value, which nodes
 * consume it, and which values are constants (initializers or Constant nodes).
 */
public final class OnnxGraph {

    private final String name;
    private final List<OnnxNode> nodes;
    private final Map<String, OnnxTensor> initializers;
    private final List<OnnxValueInfo> inputs;
    private final List<OnnxValueInfo> outputs;
    private final Map<String, OnnxNode> producers = new HashMap<>();
    private final Map<String, List<OnnxNode>> consumers = new HashMap<>();

    public OnnxGraph(String name, List<OnnxNode> nodes, Map<String, OnnxTensor> initializers,
                     List<OnnxValueInfo> inputs, List<OnnxValueInfo> outputs) {
        this.name = name;
        this.nodes = List.copyOf(nodes);
        this.initializers = Collections.unmodifiableMap(new LinkedHashMap<>(initializers));
        this.inputs = List.copyOf(inputs);
        this.outputs = List.copyOf(outputs);
        for (OnnxNode node : this.nodes) {
            for (String out : node.outputs()) {
                if (!out.isEmpty()) producers.put(out, node);
            }
            for (String in : node.inputs()) {
                if (!in.isEmpty()) consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(node);
            }
        }
    }

    public String name() {
        return name;
    }

    /** The nodes in file order, which ONNX requires to be topological. */
    public List<OnnxNode> nodes() {
        return nodes;
    }

    public Map<String, OnnxTensor> initializers() {
        return initializers;
    }

    public List<OnnxValueInfo> inputs() {
        return inputs;
    }

    public List<OnnxValueInfo> outputs() {
        return outputs;
    }

    /** The node that computes the value, or null for graph inputs, initializers and unknown names. */
    public OnnxNode producer(String value) {
        return producers.get(value);
    }

    public List<OnnxNode> consumers(String value) {
        return consumers.getOrDefault(value, List.of());
    }

    /**
     * The constant behind a value: an initializer, or the value of a Constant node, looking
     * through Identity nodes (exporters put them on shared weights). Null if it is computed.
     */
    public OnnxTensor constant(String value) {
        for (int hops = 0; hops < 8 && !value.isEmpty(); hops++) {
            OnnxTensor init = initializers.get(value);
            if (init != null) return init;
            OnnxNode node = producers.get(value);
            if (node == null) return null;
            if (node.is("Identity")) {
                value = node.input(0);
            } else if (node.is("Constant")) {
                return constantNodeValue(node);
            } else {
                return null;
            }
        }
        return null;
    }

    /** The value of a one-element FLOAT constant, or null when the value is anything else. */
    public Float scalarFloat(String value, String file) {
        OnnxTensor t = constant(value);
        if (t == null || t.dataType() != OnnxTensor.FLOAT || t.elementCount() != 1 || t.externalData() != null) return null;
        return t.floats(file)[0];
    }

    /** A Constant node's value in any of its attribute spellings, named after its output. */
    private static OnnxTensor constantNodeValue(OnnxNode node) {
        String out = node.output(0);
        for (OnnxAttribute a : node.attributes().values()) {
            switch (a.name()) {
                case "value":
                    return a.t() == null ? null : a.t().renamed(out);
                case "value_float":
                    return new OnnxTensor(out, OnnxTensor.FLOAT, new long[0], null, new float[] {a.f()}, null, null, null);
                case "value_floats":
                    return new OnnxTensor(out, OnnxTensor.FLOAT, new long[] {a.floats().length}, null, a.floats(), null, null, null);
                case "value_int":
                    return new OnnxTensor(out, OnnxTensor.INT64, new long[0], null, null, new long[] {a.i()}, null, null);
                case "value_ints":
                    return new OnnxTensor(out, OnnxTensor.INT64, new long[] {a.ints().length}, null, null, a.ints(), null, null);
                default:
                    break;
            }
        }
        return null;
    }
}
