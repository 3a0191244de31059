package org.attentionsearch.weights;

import java.util.Arrays;

/**
 * One tensor of a GGUF file: its name, type, dimensions in ggml order (dims[0] = ne0 varies
 * fastest, so a PyTorch [out, in] matrix has dims {in, out}) and the offset of its bytes from
 * the start of the file's data section.
 */
public record GgufTensor(String name, GgmlType type, long[] dims, long offset) {

    public GgufTensor {
        dims = dims.clone();
    }

    @Override
    public long[] dims() {
        return dims.clone();
    }

    public int rank() {
        return dims.length;
    }

    public long dim(int i) {
        return dims[i];
    }

    /** ne0: the values in one row. */
    public long rowLength() {
        return dims[0];
    }

    /** The number of rows: the product of all dimensions but the first. */
    public long rows() {
        long n = 1;
        for (int i = 1; i < dims.length; i++) n *= dims[i];
        return n;
    }

    public long elementCount() {
        return dims[0] * rows();
    }

    public long byteSize() {
        return type.byteSize(elementCount());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensor t && name.equals(t.name) && type == t.type
                && Arrays.equals(dims, t.dims) && offset == t.offset;
    }

    @Override
    public int hashCode() {
        return (name.hashCode() * 31 + type.hashCode()) * 31 + Arrays.hashCode(dims) + Long.hashCode(offset);
    }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(dims) + " @" + offset;
    }
}
