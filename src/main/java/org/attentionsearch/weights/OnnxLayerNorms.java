package org.attentionsearch.weights;

import java.util.ArrayList;
import java.util.List;

/**
 * Finds LayerNorms in an ONNX graph, whichever way the exporter wrote them: one
 * LayerNormalization node, or the elementwise ops it decomposes into.
 */
final class OnnxLayerNorms {

    /**
     * @param input the value being normalized
     * @param gamma the scale, applied after normalizing
     * @param beta  the shift
     * @param eps   the epsilon added to the variance
     */
    record LayerNorm(String input, OnnxTensor gamma, OnnxTensor beta, float eps) {
    }

    private OnnxLayerNorms() {
    }

    static List<LayerNorm> find(OnnxGraph graph, String file) {
        List<LayerNorm> found = new ArrayList<>();
        for (OnnxNode n : graph.nodes()) {
            LayerNorm ln = n.is("LayerNormalization") ? fused(graph, n, file) : n.is("Sqrt") ? decomposed(graph, n, file) : null;
            if (ln != null) found.add(ln);
        }
        return found;
    }

    private static LayerNorm fused(OnnxGraph graph, OnnxNode n, String file) {
        OnnxTensor gamma = graph.constant(n.input(1));
        OnnxTensor beta = graph.constant(n.input(2));
        if (gamma == null || beta == null) {
            throw new ModelFormatException(file, "LayerNormalization " + n.name() + " has a computed scale or bias; unsupported");
        }
        OnnxAttribute axis = n.attribute("axis");
        if (axis != null && axis.i() != -1) {
            throw new ModelFormatException(file, "LayerNormalization " + n.name() + " normalizes axis " + axis.i() + "; unsupported");
        }
        OnnxAttribute eps = n.attribute("epsilon");
        return new LayerNorm(n.input(0), gamma, beta, eps == null ? 1e-5f : eps.f()); // 1e-5 is the ONNX default
    }

    /**
     * The exporter's spelling of LayerNorm: y = (x - mean(x)) / sqrt(mean((x - mean(x))^2) + eps) * gamma + beta.
     * Matched from its Sqrt outwards; anything else with a Sqrt is not a LayerNorm and yields null.
     */
    private static LayerNorm decomposed(OnnxGraph graph, OnnxNode sqrt, String file) {
        OnnxNode addEps = graph.producer(sqrt.input(0));
        if (addEps == null || !addEps.is("Add")) return null;
        Float eps = null;
        OnnxNode variance = null;
        for (int k = 0; k < 2; k++) {
            Float c = graph.scalarFloat(addEps.input(k), file);
            OnnxNode p = graph.producer(addEps.input(1 - k));
            if (c != null && p != null && p.is("ReduceMean")) {
                eps = c;
                variance = p;
            }
        }
        if (variance == null) return null;
        OnnxNode square = graph.producer(variance.input(0));
        if (square == null) return null;
        String centered = square.input(0);
        boolean squares = square.is("Pow") && Float.valueOf(2f).equals(graph.scalarFloat(square.input(1), file))
                || square.is("Mul") && centered.equals(square.input(1));
        OnnxNode sub = graph.producer(centered);
        if (!squares || sub == null || !sub.is("Sub")) return null;
        String x = sub.input(0);
        OnnxNode mean = graph.producer(sub.input(1));
        if (mean == null || !mean.is("ReduceMean") || !mean.input(0).equals(x)) return null;
        OnnxNode div = only(graph.consumers(sqrt.output(0)), "Div");
        if (div == null || !div.input(0).equals(centered) || !div.input(1).equals(sqrt.output(0))) return null;
        OnnxNode mul = only(graph.consumers(div.output(0)), "Mul");
        OnnxTensor gamma = mul == null ? null : otherConstant(graph, mul, div.output(0));
        OnnxNode add = mul == null ? null : only(graph.consumers(mul.output(0)), "Add");
        OnnxTensor beta = add == null ? null : otherConstant(graph, add, mul.output(0));
        if (gamma == null || beta == null) return null;
        return new LayerNorm(x, gamma, beta, eps);
    }

    private static OnnxNode only(List<OnnxNode> nodes, String op) {
        return nodes.size() == 1 && nodes.get(0).is(op) ? nodes.get(0) : null;
    }

    private static OnnxTensor otherConstant(OnnxGraph graph, OnnxNode binary, String known) {
        if (binary.inputs().size() != 2) return null;
        int k = binary.input(0).equals(known) ? 1 : binary.input(1).equals(known) ? 0 : -1;
        return k < 0 ? null : graph.constant(binary.input(k));
    }
}
