package org.attentionsearch.weights;

import java.util.List;

/**
 * One ONNX ValueInfoProto of a tensor type: a graph input or output.
 *
 * @param elemType the element data type code (see {@link OnnxTensor#typeName(int)}), 0 if unknown
 * @param dims     each dimension as a number or a symbolic name; empty when the shape is not given
 */
public record OnnxValueInfo(String name, int elemType, List<String> dims) {
}
