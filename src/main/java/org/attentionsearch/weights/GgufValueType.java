package org.attentionsearch.weights;

import java.util.Optional;

/** The types of GGUF metadata values, with the numbers the file stores and their sizes in bytes. */
public enum GgufValueType {
    UINT8(0, 1),
    INT8(1, 1),
    UINT16(2, 2),
    INT16(3, 2),
    UINT32(4, 4),
    INT32(5, 4),
    FLOAT32(6, 4),
    BOOL(7, 1),
    STRING(8, 8),   // a uint64 byte length, then UTF-8 bytes: at least 8 bytes
    ARRAY(9, 12),   // a uint32 element type and a uint64 count: at least 12 bytes
    UINT64(10, 8),
    INT64(11, 8),
    FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = values();

    private final int id;
    private final int minBytes;

    GgufValueType(int id, int minBytes) {
        this.id = id;
        this.minBytes = minBytes;
    }

    public int id() {
        return id;
    }

    /** The fewest bytes a value of this type takes in a file (its exact size for the number types). */
    public int minBytes() {
        return minBytes;
    }

    public boolean integer() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    public static Optional<GgufValueType> byId(long id) {
        if (id < 0 || id >= BY_ID.length) return Optional.empty();
        return Optional.of(BY_ID[(int) id]);
    }
}
