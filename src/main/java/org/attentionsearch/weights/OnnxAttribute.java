package org.attentionsearch.weights;

/**
 * One attribute of an ONNX node. Only the value field matching {@code type} is meaningful.
 *
 * @param type the AttributeProto.AttributeType code, e.g. {@link #FLOAT}
 */
public record OnnxAttribute(String name, int type, float f, long i, String s, OnnxTensor t,
                            float[] floats, long[] ints) {

    public static final int FLOAT = 1;
    public static final int INT = 2;
    public static final int STRING = 3;
    public static final int TENSOR = 4;
    public static final int GRAPH = 5;
    public static final int FLOATS = 6;
    public static final int INTS = 7;
}
