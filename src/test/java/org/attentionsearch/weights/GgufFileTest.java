package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import org.attentionsearch.testing.Ggml;
import org.attentionsearch.testing.GgufWriter;
import org.attentionsearch.testing.GgufWriter.Value;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The reader on files from our writer: every value type and tensor type, versions 2 and 3, two alignments. */
class GgufFileTest {

    @TempDir
    Path dir;

    private static GgufWriter everyValueType() {
        return new GgufWriter()
                .put("general.architecture", Value.string("llama"))
                .put("u8", Value.uint8(255))
                .put("i8", Value.int8(-128))
                .put("u16", Value.uint16(65535))
                .put("i16", Value.int16(-32768))
                .put("u32", Value.uint32(4294967295L))
                .put("i32", Value.int32(Integer.MIN_VALUE))
                .put("u64", Value.uint64(-1L)) // 2^64 - 1
                .put("i64", Value.int64(Long.MIN_VALUE))
                .put("f32", Value.float32(-0.0f))
                .put("f32.nan", Value.float32(Float.intBitsToFloat(0x7fc00123)))
                .put("f64", Value.float64(Math.PI))
                .put("yes", Value.bool(true))
                .put("no", Value.bool(false))
                .put("text", Value.string("naïve 🦙 ∑"))
                .put("empty", Value.string(""))
                .put("a.u8", Value.array(GgufValueType.UINT8, List.of(Value.uint8(0), Value.uint8(200))))
                .put("a.i8", Value.array(GgufValueType.INT8, List.of(Value.int8(-1), Value.int8(127))))
                .put("a.u16", Value.array(GgufValueType.UINT16, List.of(Value.uint16(40000))))
                .put("a.i16", Value.array(GgufValueType.INT16, List.of(Value.int16(-2))))
                .put("a.u32", Value.array(GgufValueType.UINT32, List.of(Value.uint32(3000000000L))))
                .put("a.i32", Value.int32s(new int[] {1, -2, 3}))
                .put("a.u64", Value.array(GgufValueType.UINT64, List.of(Value.uint64(Long.MIN_VALUE))))
                .put("a.i64", Value.array(GgufValueType.INT64, List.of(Value.int64(-5))))
                .put("a.f32", Value.float32s(new float[] {0.5f, Float.NEGATIVE_INFINITY}))
                .put("a.f64", Value.array(GgufValueType.FLOAT64, List.of(Value.float64(1e300))))
                .put("a.bool", Value.array(GgufValueType.BOOL, List.of(Value.bool(true), Value.bool(false))))
                .put("a.str", Value.strings(List.of("a", "", "é✓", "<|endoftext|>")))
                .put("a.none", Value.array(GgufValueType.INT32, List.of()))
                .put("a.nested", Value.array(GgufValueType.ARRAY, List.of(
                        Value.int32s(new int[] {1, 2}),
                        Value.array(GgufValueType.ARRAY, List.of(Value.strings(List.of("deep")))),
                        Value.array(GgufValueType.INT32, List.of()))));
    }

    private static void assertEveryValueType(GgufFile f, String... extraKeys) {
        Map<String, Object> m = f.metadata();
        List<String> keys = new ArrayList<>(List.of("general.architecture", "u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f32.nan", "f64",
                "yes", "no", "text", "empty", "a.u8", "a.i8", "a.u16", "a.i16", "a.u32", "a.i32", "a.u64", "a.i64", "a.f32", "a.f64",
                "a.bool", "a.str", "a.none", "a.nested"));
        keys.addAll(List.of(extraKeys));
        assertEquals(keys, new ArrayList<>(m.keySet()));
        assertEquals(255L, m.get("u8"));
        assertEquals(-128L, m.get("i8"));
        assertEquals(65535L, m.get("u16"));
        assertEquals(-32768L, m.get("i16"));
        assertEquals(4294967295L, m.get("u32"));
        assertEquals((long) Integer.MIN_VALUE, m.get("i32"));
        assertEquals(-1L, m.get("u64"));
        assertEquals(Long.MIN_VALUE, m.get("i64"));
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits((Float) m.get("f32")));
        assertEquals(0x7fc00123, Float.floatToRawIntBits((Float) m.get("f32.nan")));
        assertEquals(Math.PI, m.get("f64"));
        assertEquals(true, m.get("yes"));
        assertEquals(false, m.get("no"));
        assertEquals("naïve 🦙 ∑", m.get("text"));
        assertEquals("", m.get("empty"));
        assertEquals(List.of(0L, 200L), m.get("a.u8"));
        assertEquals(List.of(-1L, 127L), m.get("a.i8"));
        assertEquals(List.of(40000L), m.get("a.u16"));
        assertEquals(List.of(-2L), m.get("a.i16"));
        assertEquals(List.of(3000000000L), m.get("a.u32"));
        assertEquals(List.of(1L, -2L, 3L), m.get("a.i32"));
        assertEquals(List.of(Long.MIN_VALUE), m.get("a.u64"));
        assertEquals(List.of(-5L), m.get("a.i64"));
        assertEquals(List.of(0.5f, Float.NEGATIVE_INFINITY), m.get("a.f32"));
        assertEquals(List.of(1e300), m.get("a.f64"));
        assertEquals(List.of(true, false), m.get("a.bool"));
        assertEquals(List.of("a", "", "é✓", "<|endoftext|>"), m.get("a.str"));
        assertEquals(List.of(), m.get("a.none"));
        assertEquals(List.of(List.of(1L, 2L), List.of(List.of("deep")), List.of()), m.get("a.nested"));

        // typed getters
        assertEquals("llama", f.string("general.architecture"));
        assertEquals(255, f.intValue("u8"));
        assertEquals(-1L, f.longValue("u64"));
        assertEquals((float) Math.PI, f.floatValue("f64"));
        assertTrue(f.booleanValue("yes"));
        assertEquals(3, f.list("a.i32").size());
        assertTrue(f.optionalString("missing").isEmpty());
        assertTrue(f.optionalLong("missing").isEmpty());
        assertProblem(() -> f.string("missing"), "has no metadata key missing");
        assertProblem(() -> f.longValue("text"), "has metadata key text as a string where an integer is required");
        assertProblem(() -> f.string("u8"), "has metadata key u8 as an integer where a string is required");
        assertProblem(() -> f.list("yes"), "has metadata key yes as a boolean where an array is required");
        assertProblem(() -> f.intValue("u32"), "outside the range of an int");
        assertThrows(UnsupportedOperationException.class, () -> f.list("a.str").set(0, "b"));
        assertThrows(UnsupportedOperationException.class, () -> f.metadata().put("x", 1L));
    }

    @ParameterizedTest
    @CsvSource({"3, 0", "2, 0", "3, 64", "2, 64", "3, 1"})
    void roundTrip(int version, int alignment) throws IOException {
        SplittableRandom random = new SplittableRandom(version * 100 + alignment);
        GgufWriter w = everyValueType().version(version);
        if (alignment != 0) w.alignment(alignment);
        float[] matrix = gaussian(random, 3 * 256); // dims {256, 3}: three rows of 256
        float[] vector = gaussian(random, 5);
        byte[] q41 = new byte[2 * 20]; // two Q4_1 blocks, a type we list but do not read
        for (int i = 0; i < q41.length; i++) q41[i] = (byte) i;
        for (GgmlType t : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K)) {
            w.tensor("m." + t.ggmlName(), t, new long[] {256, 3}, matrix);
        }
        w.tensor("v", GgmlType.F32, new long[] {5}, vector);
        w.tensor("q41", GgmlType.Q4_1, new long[] {64}, q41);
        w.tensor("cube", GgmlType.F16, new long[] {2, 3, 4, 5}, gaussian(random, 120));
        Path file = dir.resolve("model.gguf");
        w.write(file);

        try (GgufFile f = GgufFile.open(file)) {
            assertEquals(version, f.version());
            int expectedAlignment = alignment == 0 ? 32 : alignment;
            assertEquals(expectedAlignment, f.alignment());
            assertEquals(0, f.dataOffset() % expectedAlignment);
            if (alignment == 0) assertEveryValueType(f);
            else assertEveryValueType(f, "general.alignment");

            assertEquals(10, f.tensors().size());
            for (GgufTensor t : f.tensors()) assertEquals(0, t.offset() % expectedAlignment, t.name());
            GgufTensor f32 = f.tensor("m.f32");
            assertArrayEquals(new long[] {256, 3}, f32.dims());
            assertEquals(256, f32.rowLength());
            assertEquals(3, f32.rows());
            assertArrayEquals(matrix, f.floats(f32));
            float[] f16 = f.floats(f.tensor("m.f16"));
            float[] bf16 = f.floats(f.tensor("m.bf16"));
            for (int i = 0; i < matrix.length; i++) {
                assertEquals(Float.float16ToFloat(Float.floatToFloat16(matrix[i])), f16[i]);
                assertEquals(matrix[i], bf16[i], Math.abs(matrix[i]) / 128);
            }
            for (GgmlType t : List.of(GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K)) {
                GgufTensor q = f.tensor("m." + t.ggmlName());
                assertEquals(t, q.type());
                byte[] raw = f.data(q).toArray(ValueLayout.JAVA_BYTE);
                assertArrayEquals(Ggml.quantize(t, matrix, 3, 256), raw, t.name());
                assertArrayEquals(Ggml.toFloat(t, raw, matrix.length), f.floats(q), t.name());
            }
            assertArrayEquals(vector, f.floats(f.tensor("v")));
            for (GgmlType t : List.of(GgmlType.F32, GgmlType.Q4_K)) { // a few rows alone are those rows of the whole
                GgufTensor m = f.tensor("m." + t.ggmlName());
                float[] all = f.floats(m);
                assertArrayEquals(Arrays.copyOfRange(all, 256, 768), f.rows(m, 1, 2));
                assertEquals(0, f.rows(m, 3, 0).length);
                assertThrows(IndexOutOfBoundsException.class, () -> f.rows(m, 2, 2));
                assertThrows(IndexOutOfBoundsException.class, () -> f.rows(m, -1, 1));
            }
            GgufTensor cube = f.tensor("cube");
            assertEquals(4, cube.rank());
            assertEquals(60, cube.rows());
            assertEquals(120, f.floats(cube).length);

            GgufTensor unreadable = f.tensor("q41");
            assertArrayEquals(q41, f.data(unreadable).toArray(ValueLayout.JAVA_BYTE));
            assertProblem(() -> f.floats(unreadable), "tensor q41 has type Q4_1, which cannot be read (readable types: F32, F16, Q4_0, Q8_0, Q4_K, Q6_K, BF16)");
            assertProblem(() -> f.tensor("nope"), "has no tensor nope");
            assertTrue(f.findTensor("nope").isEmpty());
        }
    }

    @Test
    void everyValueTypeAlone() throws IOException {
        Path file = dir.resolve("meta.gguf");
        everyValueType().write(file);
        try (GgufFile f = GgufFile.open(file)) {
            assertEveryValueType(f);
            assertTrue(f.tensors().isEmpty());
        }
    }

    @Test
    void closingUnmaps() {
        Path file = dir.resolve("closed.gguf");
        new GgufWriter().tensor("t", GgmlType.F32, new long[] {4}, new float[] {1, 2, 3, 4}).write(file);
        GgufFile f = GgufFile.open(file);
        GgufTensor t = f.tensor("t");
        var data = f.data(t);
        f.close();
        f.close(); // twice is fine
        assertThrows(IllegalStateException.class, () -> f.floats(t));
        assertThrows(IllegalStateException.class, () -> data.get(ValueLayout.JAVA_BYTE, 0));
        assertTrue(f.metadata().isEmpty()); // metadata stays readable
    }

    /**
     * A file of 8 GiB whose data is a hole: opening maps it without reading it, a tensor past
     * 4 GiB reads back, and one of 2^31 values is refused with a sentence.
     */
    @Test
    void largeSparseFile() throws IOException {
        Path file = dir.resolve("large.gguf");
        long big = 1L << 31;
        byte[] head = new GgufWriter()
                .tensor("big", GgmlType.F32, new long[] {big}, new byte[0])
                .tensor("small", GgmlType.F32, new long[] {4}, new byte[0])
                .toBytes();
        // the writer placed both at offset 0, having no data: move "small" behind "big" by hand
        long smallOffsetAt = indexOf(head, "small".getBytes()) + 5 + 4 + 8 + 4;
        for (int i = 0; i < 8; i++) head[(int) smallOffsetAt + i] = (byte) ((4 * big) >>> (8 * i));
        Files.write(file, head);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(head.length + 4 * big + 16);
        }
        try (GgufFile f = GgufFile.open(file)) {
            assertArrayEquals(new float[4], f.floats(f.tensor("small")));
            assertEquals(4 * big, f.data(f.tensor("big")).byteSize());
            assertProblem(() -> f.floats(f.tensor("big")), "tensor big has 2147483648 values, too many for one float array");
        }
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return i;
        }
        throw new AssertionError("not found");
    }

    static float[] gaussian(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (random.nextDouble() * 2 - 1);
        return v;
    }

    static void assertProblem(org.junit.jupiter.api.function.Executable call, String problem) {
        ModelFormatException e = assertThrows(ModelFormatException.class, call);
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

}
