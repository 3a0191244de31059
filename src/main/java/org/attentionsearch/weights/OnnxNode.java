package org.attentionsearch.weights;

import java.util.List;
import java.util.Map;

/** One ONNX NodeProto. An empty input name means an omitted optional input. */
public record OnnxNode(String name, String opType, String domain, List<String> inputs, List<String> outputs,
                       Map<String, OnnxAttribute> attributes) {

    public String input(int i) {
        return i < inputs.size() ? inputs.get(i) : "";
    }

    public String output(int i) {
        return i < outputs.size() ? outputs.get(i) : "";
    }

    public OnnxAttribute attribute(String attributeName) {
        return attributes.get(attributeName);
    }

    public boolean is(String op) {
        return opType.equals(op);
    }

    @Override
    public String toString() {
        return opType + " " + name + " " + inputs + " -> " + outputs;
    }
}
