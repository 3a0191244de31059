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
        a[2] = Float.POSITIVE_INFINITY;
        a[3] = Float.NaN;
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
        int[] f16 = {0x3C00, 0xC000, 0x7BFF, 0x0001, 0x7C00, 0x8000, 0x3555};
        float[] f16Expected = {1f, -2f, 65504f, (float) Math.pow(2, -24), Float.POSITIVE_INFINITY, -0.0f, 0.333251953125f};
        int[] bf16 = {0x3F80, 0xC0A0, 0x4049, 0x0001, 0xFF80};
        float[] bf16Expected = {1f, -5f, 3.140625f, Float.intBitsToFloat(0x00010000), Float.NEGATIVE_INFINITY};
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
}
