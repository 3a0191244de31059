package org.attentionsearch.weights;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

import com.google.protobuf.ByteString;

/**
 * One ONNX TensorProto: an initializer or the value of a Constant node. Only the fields
 * this project reads are kept; the values stay in their stored form until asked for.
 *
 * @param name         the tensor's name (for a Constant node, its output name)
 * @param dataType     the TensorProto.DataType code, e.g. {@link #FLOAT}
 * @param dims         the shape
 * @param rawData      little-endian packed values, or null
 * @param floatData    values from float_data, or null
 * @param int64Data    values from int64_data, or null
 * @param int32Data    values from int32_data, or null
 * @param externalData where the values live when they are outside the model file, or null
 */
public record OnnxTensor(String name, int dataType, long[] dims, ByteString rawData, float[] floatData,
                         long[] int64Data, int[] int32Data, String externalData) {

    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;

    private static final String[] TYPE_NAMES = {"UNDEFINED", "FLOAT", "UINT8", "INT8", "UINT16", "INT16",
            "INT32", "INT64", "STRING", "BOOL", "FLOAT16", "DOUBLE", "UINT32", "UINT64", "COMPLEX64",
            "COMPLEX128", "BFLOAT16"};

    public static String typeName(int dataType) {
        return dataType >= 0 && dataType < TYPE_NAMES.length ? TYPE_NAMES[dataType] : "type " + dataType;
    }

    /** The same values under another name (a Constant node's value is known by its output). */
    public OnnxTensor renamed(String newName) {
        return new OnnxTensor(newName, dataType, dims, rawData, floatData, int64Data, int32Data, externalData);
    }

    /** Values the shape holds; -1 for a negative dimension, Long.MAX_VALUE past long's range. */
    public long elementCount() {
        long n = 1;
        for (long d : dims) {
            if (d < 0) return -1;
            if (d != 0 && n > Long.MAX_VALUE / d) return Long.MAX_VALUE;
            n *= d;
        }
        return n;
    }

    /** The shape as ints, for {@link Tensor}; a dimension beyond int range is a format error. */
    public int[] intShape(String file) {
        int[] shape = new int[dims.length];
        for (int i = 0; i < dims.length; i++) {
            if (dims[i] < 0 || dims[i] > Integer.MAX_VALUE) {
                throw new ModelFormatException(file, "tensor " + name + " has an invalid shape " + Arrays.toString(dims));
            }
            shape[i] = (int) dims[i];
        }
        return shape;
    }

    /** The values of a FLOAT tensor; any other data type is refused, naming the tensor. */
    public float[] floats(String file) {
        requireInline(file);
        if (dataType != FLOAT) {
            throw new ModelFormatException(file, "tensor " + name + " has data type " + typeName(dataType)
                    + "; only FLOAT (float32) weights are supported");
        }
        int n = checkedCount(file);
        if (floatData != null && floatData.length > 0) {
            if (floatData.length != n) throw sizeMismatch(file, floatData.length * 4L, n * 4L);
            return floatData.clone();
        }
        ByteBuffer raw = rawBuffer(file, n * 4L);
        float[] out = new float[n];
        raw.asFloatBuffer().get(out);
        return out;
    }

    /** Integer values (INT64 or INT32), as shape constants are stored. */
    public long[] longs(String file) {
        requireInline(file);
        int n = checkedCount(file);
        switch (dataType) {
            case INT64 -> {
                if (int64Data != null && int64Data.length > 0) {
                    if (int64Data.length != n) throw sizeMismatch(file, int64Data.length * 8L, n * 8L);
                    return int64Data.clone();
                }
                long[] out = new long[n];
                rawBuffer(file, n * 8L).asLongBuffer().get(out);
                return out;
            }
            case INT32 -> {
                long[] out = new long[n];
                if (int32Data != null && int32Data.length > 0) {
                    if (int32Data.length != n) throw sizeMismatch(file, int32Data.length * 4L, n * 4L);
                    for (int i = 0; i < n; i++) out[i] = int32Data[i];
                } else {
                    ByteBuffer raw = rawBuffer(file, n * 4L);
                    for (int i = 0; i < n; i++) out[i] = raw.getInt(i * 4);
                }
                return out;
            }
            default -> throw new ModelFormatException(file, "tensor " + name + " has data type "
                    + typeName(dataType) + " where integers were expected");
        }
    }

    /** Converts a FLOAT tensor into this project's tensor type, under the given name; its values must be finite. */
    public Tensor toTensor(String newName, String file) {
        int[] shape = intShape(file);
        float[] values = floats(file);
        FiniteWeights.check(values, name, file);
        return new Tensor(newName, shape, values);
    }

    private void requireInline(String file) {
        if (externalData != null) {
            throw new ModelFormatException(file, "tensor " + name + " keeps its values in an external file ("
                    + externalData + "); models with external data are not supported");
        }
    }

    private int checkedCount(String file) {
        long n = elementCount();
        if (n < 0 || n > Integer.MAX_VALUE - 8) {
            throw new ModelFormatException(file, "tensor " + name + " has an unsupported size " + Arrays.toString(dims));
        }
        return (int) n;
    }

    private ByteBuffer rawBuffer(String file, long expectedBytes) {
        long have = rawData == null ? 0 : rawData.size();
        if (have != expectedBytes) throw sizeMismatch(file, have, expectedBytes);
        return rawData.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private ModelFormatException sizeMismatch(String file, long have, long need) {
        return new ModelFormatException(file, "tensor " + name + " of shape " + Arrays.toString(dims)
                + " holds " + have + " bytes of values but needs " + need);
    }
}
