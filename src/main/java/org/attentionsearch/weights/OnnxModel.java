package org.attentionsearch.weights;

import java.util.Map;

/**
 * An ONNX ModelProto: the fields that say where the model came from, and its graph.
 *
 * @param opsets operator-set versions by domain ("" is the default ONNX domain)
 */
public record OnnxModel(long irVersion, String producerName, String producerVersion,
                        Map<String, Long> opsets, OnnxGraph graph) {
}
