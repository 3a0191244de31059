package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

    @TempDir
    Path dir;

    private static Map<String, Tensor> sample() {
        Random r = new Random(42);
        Map<String, Tensor> m = new LinkedHashMap<>();
        float[] a = new float[3 * 5];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        a[0] = -0.0f;
        a[1] = Float.MIN_VALUE;
        a[2] = -Float.MAX_VALUE;
        a[3] = Float.MIN_NORMAL;
        a[4] = Float.MAX_VALUE;
        m.put("zeta.weight", new Tensor("zeta.weight", new int[] {3, 5}, a));
        m.put("alpha.bias", new Tensor("alpha.bias", new int[] {7}, new float[] {1, 2, 3, 4, 5, 6, 7}));
        m.put("empty", new Tensor("empty", new int[] {0, 4}, new float[0]));
        m.put("scalar", new Tensor("scalar", new int[0], new float[] {0.5f}));
        return m;
    }

    private static void assertBitIdentical(Map<String, Tensor> expected, Map<String, Tensor> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        expected.forEach((name, t) -> {
            Tensor u = actual.get(name);
            assertArrayEquals(t.shape(), u.shape(), name);
            for (int i = 0; i < t.data().length; i++) {
                assertEquals(Float.floatToRawIntBits(t.data()[i]), Float.floatToRawIntBits(u.data()[i]), name + "[" + i + "]");
            }
        });
    }

    @Test
    void roundTripIsBitIdentical() {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(sample(), file);
        assertBitIdentical(sample(), SafeTensors.read(file));
    }

    @Test
    void headerIsPaddedSortedAndTagged() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(sample(), file);
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8);
        String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
        assertTrue(header.startsWith("{\"__metadata__\":{\"format\":\"pt\"}"), header);
        assertTrue(header.indexOf("\"alpha.bias\"") < header.indexOf("\"empty\""));
        assertTrue(header.indexOf("\"scalar\"") < header.indexOf("\"zeta.weight\""));
        assertEquals(header.strip(), header.substring(0, header.strip().length()));
        assertEquals(8 + n + 4 * (15 + 7 + 1), bytes.length);
        assertEquals(List.of("alpha.bias", "empty", "scalar", "zeta.weight"), new ArrayList<>(SafeTensors.read(file).keySet()));
    }

    /** Builds a file from a header text and data, as other writers might. */
    private static byte[] file(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(data);
        return b.array();
    }

    private static byte[] shorts(int... values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) b.putShort((short) v);
        return b.array();
    }

    @Test
    void halfPrecisionIsWidenedExactly() {
        int[] f16 = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0xFBFF, 0x8000, 0x3555};
        float[] f16Expected = {1f, -2f, 65504f, (float) Math.pow(2, -24), -65504f, -0.0f, 0.333251953125f};
        int[] bf16 = {0x3F80, 0xC0A0, 0x4049, 0x0001, 0xFF7F};
        float[] bf16Expected = {1f, -5f, 3.140625f, Float.intBitsToFloat(0x00010000), Float.intBitsToFloat(0xFF7F0000)};
        byte[] data = new byte[(f16.length + bf16.length) * 2];
        System.arraycopy(shorts(f16), 0, data, 0, f16.length * 2);
        System.arraycopy(shorts(bf16), 0, data, f16.length * 2, bf16.length * 2);
        String header = "{\"h\":{\"dtype\":\"F16\",\"shape\":[7],\"data_offsets\":[0,14]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[5],\"data_offsets\":[14,24]}}";
        Map<String, Tensor> t = SafeTensors.read(file(header, data), "half.safetensors");
        assertBitIdentical(Map.of("h", new Tensor("h", new int[] {7}, f16Expected),
                "b", new Tensor("b", new int[] {5}, bf16Expected)), t);
    }

    private static ModelFormatException refused(byte[] bytes) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafeTensors.read(bytes, "bad.safetensors"));
        assertEquals("bad.safetensors", e.file());
        assertTrue(e.getMessage().startsWith("bad.safetensors: "), e.getMessage());
        return e;
    }

    @Test
    void unsupportedDtypeIsNamedUnlessTheTensorIsSkipped() {
        byte[] bytes = file("{\"embeddings.position_ids\":{\"dtype\":\"I64\",\"shape\":[1,2],\"data_offsets\":[0,16]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]}}", new byte[20]);
        ModelFormatException e = refused(bytes);
        assertTrue(e.getMessage().contains("embeddings.position_ids") && e.getMessage().contains("I64"), e.getMessage());
        assertEquals(List.of("w"), List.copyOf(SafeTensors.read(bytes, "f", name -> !name.endsWith("position_ids")).keySet()));
        e = refused(file("{\"x\":{\"dtype\":\"Q4\",\"shape\":[1],\"data_offsets\":[0,1]}}", new byte[1]));
        assertTrue(e.getMessage().contains("Q4"), e.getMessage());
    }

    @Test
    void truncatedFilesAreRefused() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(sample(), file);
        byte[] bytes = Files.readAllBytes(file);
        for (int cut : new int[] {bytes.length - 1, bytes.length - 60, 40, 8, 5, 0}) {
            refused(Arrays.copyOf(bytes, cut));
        }
    }

    @Test
    void garbageAndBadHeadersAreRefused() {
        byte[] garbage = new byte[1000];
        new Random(1).nextBytes(garbage);
        refused(garbage);
        refused(file("{not json", new byte[0]));
        refused(file("[1, 2]", new byte[0]));
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", new byte[8]));
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", new byte[8]));
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", new byte[12]));
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,0]}}", new byte[12]));
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]));
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]));
        refused(file("{\"w\":{\"dtype\":\"F32\",\"shape\":[65536,65536],\"data_offsets\":[0,17179869184]}}", new byte[8]));
    }

    /** A header length one short shifts every value by a byte; the byte left over at the end gives it away. */
    @Test
    void aHeaderLengthOneShortIsRefusedNotReadOneByteOff() throws IOException {
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(sample(), file);
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, b.getLong(0) - 1);
        ModelFormatException e = refused(bytes);
        assertTrue(e.getMessage().contains("1 byte after its last tensor"), e.getMessage());
    }

    @Test
    void theTensorsMustCoverTheDataExactly() {
        String one = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[%d,%d]}}";
        assertEquals(1, SafeTensors.read(file(one.formatted(0, 4), new byte[4]), "ok").size());
        assertTrue(refused(file(one.formatted(4, 8), new byte[8])).getMessage().contains("4 bytes of data before tensor w"));
        assertTrue(refused(file(one.formatted(0, 4), new byte[12])).getMessage().contains("8 bytes after its last tensor"));
        String two = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}";
        assertTrue(refused(file(two, new byte[12])).getMessage().contains("before tensor v"));
        // Empty tensors take no bytes anywhere in the sequence.
        String empty = "{\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertEquals(2, SafeTensors.read(file(empty, new byte[4]), "ok").size());
    }

    @Test
    void trailingTokensAfterTheHeaderObjectAreRefused() {
        String header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        assertEquals(1, SafeTensors.read(file(header + "    ", new byte[4]), "ok").size());
        refused(file(header + "}", new byte[4]));
        refused(file(header + " {}", new byte[4]));
        refused(file(header + "x", new byte[4]));
    }

    @Test
    void nonFiniteValuesAreRefusedNamingTheTensor() {
        float[] values = new float[37];
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            for (int at : new int[] {0, 17, 36}) { // in a vector's lanes and in the tail
                float[] v = values.clone();
                v[at] = bad;
                ByteBuffer data = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float x : v) data.putFloat(x);
                String header = "{\"layer.7.weight\":{\"dtype\":\"F32\",\"shape\":[37],\"data_offsets\":[0,148]}}";
                ModelFormatException e = refused(file(header, data.array()));
                assertTrue(e.getMessage().contains("tensor layer.7.weight holds a value that is not a finite number (element " + at + ")"),
                        e.getMessage());
            }
        }
        for (String dtype : new String[] {"F16", "BF16"}) {
            int nan = dtype.equals("F16") ? 0x7E00 : 0x7FC0, inf = dtype.equals("F16") ? 0xFC00 : 0xFF80;
            for (int bad : new int[] {nan, inf}) {
                int[] v = new int[41];
                v[40] = bad;
                String header = "{\"h\":{\"dtype\":\"" + dtype + "\",\"shape\":[41],\"data_offsets\":[0,82]}}";
                assertTrue(refused(file(header, shorts(v))).getMessage().contains("tensor h holds a value that is not a finite number"));
            }
        }
        // A tensor that is not read is not checked.
        byte[] nanData = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(Float.NaN).array();
        byte[] skipped = file("{\"unused\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", nanData);
        assertTrue(SafeTensors.read(skipped, "f", name -> false).isEmpty());
    }

    @Test
    void longValuesAreQuotedBoundedInMessages() {
        String name = "n".repeat(100_000);
        ModelFormatException e = refused(file("{\"" + name + "\":{\"dtype\":\"F32\",\"shape\":\"x\",\"data_offsets\":[0,4]}}", new byte[4]));
        assertTrue(e.getMessage().length() < 300, e.getMessage());
        e = refused(file("{\"w\":{\"dtype\":\"" + "Q".repeat(5_000_000) + "\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]));
        assertTrue(e.getMessage().length() < 300, e.getMessage());
    }

    /** Found by fuzzing: a tensor name with a line break, quoted raw, broke the one-line message. */
    @Test
    void aNameWithALineBreakIsQuotedOnOneLine() {
        ModelFormatException e = refused(file("{\"e\\ncoder.bias\":{\"dtype\":\"F16\",\"shape\":[65],\"data_offsets\":[0,128]}}", new byte[128]));
        assertTrue(e.getMessage().contains("tensor e\\ncoder.bias of dtype F16") && !e.getMessage().contains("\n"), e.getMessage());
    }
}
