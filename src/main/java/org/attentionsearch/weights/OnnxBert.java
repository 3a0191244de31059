package org.attentionsearch.weights;

import java.util.List;
import java.util.Map;

import org.attentionsearch.model.ModelConfig;

/**
 * A BERT encoder recovered from an ONNX graph.
 *
 * @param config           the architecture, inferred from tensor shapes and graph structure
 * @param tensors          the weights under Hugging Face names, in PyTorch layout
 * @param attentionOutputs the output value of every layer's attention Softmax, layer 0 first: the
 *                         attention probabilities [batch, heads, seq, seq] an ONNX runtime can report
 * @param graph            the parsed graph the above came from
 */
public record OnnxBert(ModelConfig config, Map<String, Tensor> tensors, List<String> attentionOutputs,
                       OnnxGraph graph) {

    /** Parses ONNX bytes and recovers the encoder; any problem is a {@link ModelFormatException}. */
    public static OnnxBert read(byte[] onnx, String file) {
        return from(OnnxReader.read(onnx, file).graph(), file);
    }

    /** Recovers the encoder from an already parsed graph. */
    public static OnnxBert from(OnnxGraph graph, String file) {
        return new OnnxBertMapper(graph, file).map();
    }
}
