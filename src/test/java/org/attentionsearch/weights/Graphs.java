package org.attentionsearch.weights;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/** Test helpers that rewrite a parsed ONNX graph. */
final class Graphs {

    private Graphs() {
    }

    static OnnxGraph rewrite(OnnxGraph g, UnaryOperator<OnnxNode> nodes, UnaryOperator<OnnxTensor> initializers) {
        List<OnnxNode> ns = new ArrayList<>();
        for (OnnxNode n : g.nodes()) ns.add(nodes.apply(n));
        Map<String, OnnxTensor> inits = new LinkedHashMap<>();
        for (OnnxTensor t : g.initializers().values()) {
            OnnxTensor r = initializers.apply(t);
            inits.put(r.name(), r);
        }
        return new OnnxGraph(g.name(), ns, inits, g.inputs(), g.outputs());
    }

    /** The graph with values renamed everywhere: initializers and node inputs and outputs. */
    static OnnxGraph rename(OnnxGraph g, Map<String, String> names) {
        return rewrite(g,
                n -> new OnnxNode(n.name(), n.opType(), n.domain(),
                        n.inputs().stream().map(i -> names.getOrDefault(i, i)).toList(),
                        n.outputs().stream().map(o -> names.getOrDefault(o, o)).toList(), n.attributes()),
                t -> t.renamed(names.getOrDefault(t.name(), t.name())));
    }

    static OnnxNode withOp(OnnxNode n, String op) {
        return new OnnxNode(n.name(), op, n.domain(), n.inputs(), n.outputs(), n.attributes());
    }
}
