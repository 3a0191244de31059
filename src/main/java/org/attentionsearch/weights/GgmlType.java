package org.attentionsearch.weights;

import java.util.Optional;

/**
 * The tensor types of ggml, with the ids GGUF files store and the size of their blocks: a
 * quantized type packs {@link #blockSize()} consecutive values of a row into
 * {@link #bytesPerBlock()} bytes. Every type ggml defines is listed, so that a tensor of a
 * type we cannot read is still named; the few we can read say so with {@link #readable()}.
 */
public enum GgmlType {
    F32(0, "f32", 1, 4, true),
    F16(1, "f16", 1, 2, true),
    Q4_0(2, "q4_0", 32, 18, true),   // f16 scale, 32 four-bit values
    Q4_1(3, "q4_1", 32, 20, false),
    Q5_0(6, "q5_0", 32, 22, false),
    Q5_1(7, "q5_1", 32, 24, false),
    Q8_0(8, "q8_0", 32, 34, true),   // f16 scale, 32 signed bytes
    Q8_1(9, "q8_1", 32, 36, false),
    Q2_K(10, "q2_K", 256, 84, false),
    Q3_K(11, "q3_K", 256, 110, false),
    Q4_K(12, "q4_K", 256, 144, true), // f16 scale and min, 12 bytes of 6-bit sub-block scales, 256 four-bit values
    Q5_K(13, "q5_K", 256, 176, false),
    Q6_K(14, "q6_K", 256, 210, true), // 256 six-bit values, 16 signed 8-bit sub-block scales, f16 scale
    Q8_K(15, "q8_K", 256, 292, false),
    IQ2_XXS(16, "iq2_xxs", 256, 66, false),
    IQ2_XS(17, "iq2_xs", 256, 74, false),
    IQ3_XXS(18, "iq3_xxs", 256, 98, false),
    IQ1_S(19, "iq1_s", 256, 50, false),
    IQ4_NL(20, "iq4_nl", 32, 18, false),
    IQ3_S(21, "iq3_s", 256, 110, false),
    IQ2_S(22, "iq2_s", 256, 82, false),
    IQ4_XS(23, "iq4_xs", 256, 136, false),
    I8(24, "i8", 1, 1, false),
    I16(25, "i16", 1, 2, false),
    I32(26, "i32", 1, 4, false),
    I64(27, "i64", 1, 8, false),
    F64(28, "f64", 1, 8, false),
    IQ1_M(29, "iq1_m", 256, 56, false),
    BF16(30, "bf16", 1, 2, true),
    TQ1_0(34, "tq1_0", 256, 54, false),
    TQ2_0(35, "tq2_0", 256, 66, false),
    MXFP4(39, "mxfp4", 32, 17, false),
    NVFP4(40, "nvfp4", 64, 36, false),
    Q1_0(41, "q1_0", 128, 18, false),
    Q2_0(42, "q2_0", 64, 18, false);

    private static final GgmlType[] BY_ID = new GgmlType[64];

    static {
        for (GgmlType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final String ggmlName;
    private final int blockSize;
    private final int bytesPerBlock;
    private final boolean readable;

    GgmlType(int id, String ggmlName, int blockSize, int bytesPerBlock, boolean readable) {
        this.id = id;
        this.ggmlName = ggmlName;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
        this.readable = readable;
    }

    /** The type's number in ggml's enum, as GGUF stores it. */
    public int id() {
        return id;
    }

    /** ggml's own short name, e.g. "q4_K". */
    public String ggmlName() {
        return ggmlName;
    }

    /** Values per block (1 for the plain number types). */
    public int blockSize() {
        return blockSize;
    }

    public int bytesPerBlock() {
        return bytesPerBlock;
    }

    /** Whether {@link Dequantizer} turns this type into float32. */
    public boolean readable() {
        return readable;
    }

    public boolean quantized() {
        return blockSize > 1;
    }

    /** Bytes of {@code values} consecutive values, which must be a whole number of blocks. */
    public long byteSize(long values) {
        if (values % blockSize != 0) {
            throw new IllegalArgumentException(values + " values are not a whole number of " + this + " blocks of " + blockSize);
        }
        return Math.multiplyExact(values / blockSize, (long) bytesPerBlock);
    }

    public static Optional<GgmlType> byId(long id) {
        if (id < 0 || id >= BY_ID.length) return Optional.empty();
        return Optional.ofNullable(BY_ID[(int) id]);
    }
}
