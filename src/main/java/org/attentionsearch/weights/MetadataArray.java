package org.attentionsearch.weights;

import java.nio.charset.StandardCharsets;
import java.util.AbstractList;
import java.util.RandomAccess;

/**
 * A GGUF metadata array as an unmodifiable list, its values kept in a primitive array of the
 * file's own width (strings as one block of UTF-8 bytes) and boxed only when read: a list
 * never takes more heap than its bytes in the file, however many values it has.
 */
abstract class MetadataArray extends AbstractList<Object> implements RandomAccess {

    private final int size;

    private MetadataArray(int size) {
        this.size = size;
    }

    @Override
    public int size() {
        return size;
    }

    static MetadataArray of(byte[] values, boolean unsigned) {
        return new MetadataArray(values.length) {
            @Override
            public Object get(int i) {
                return unsigned ? Long.valueOf(values[i] & 0xffL) : Long.valueOf(values[i]);
            }
        };
    }

    static MetadataArray of(short[] values, boolean unsigned) {
        return new MetadataArray(values.length) {
            @Override
            public Object get(int i) {
                return unsigned ? Long.valueOf(values[i] & 0xffffL) : Long.valueOf(values[i]);
            }
        };
    }

    static MetadataArray of(int[] values, boolean unsigned) {
        return new MetadataArray(values.length) {
            @Override
            public Object get(int i) {
                return unsigned ? Long.valueOf(values[i] & 0xffffffffL) : Long.valueOf(values[i]);
            }
        };
    }

    /** 64-bit integers, signed or not: a UINT64 above Long.MAX_VALUE keeps its bits. */
    static MetadataArray of(long[] values) {
        return new MetadataArray(values.length) {
            @Override
            public Object get(int i) {
                return values[i];
            }
        };
    }

    static MetadataArray of(float[] values) {
        return new MetadataArray(values.length) {
            @Override
            public Object get(int i) {
                return values[i];
            }
        };
    }

    static MetadataArray of(double[] values) {
        return new MetadataArray(values.length) {
            @Override
            public Object get(int i) {
                return values[i];
            }
        };
    }

    static MetadataArray of(boolean[] values) {
        return new MetadataArray(values.length) {
            @Override
            public Object get(int i) {
                return values[i];
            }
        };
    }

    /** Strings i = bytes [starts[i], starts[i + 1]) of {@code utf8}, already checked to be valid UTF-8. */
    static MetadataArray strings(byte[] utf8, int[] starts) {
        return new MetadataArray(starts.length - 1) {
            @Override
            public Object get(int i) {
                return new String(utf8, starts[i], starts[i + 1] - starts[i], StandardCharsets.UTF_8);
            }
        };
    }

    /** Arrays of arrays. */
    static MetadataArray of(Object[] lists) {
        return new MetadataArray(lists.length) {
            @Override
            public Object get(int i) {
                return lists[i];
            }
        };
    }
}
