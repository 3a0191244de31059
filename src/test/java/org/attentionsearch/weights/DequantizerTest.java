package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;

import org.attentionsearch.testing.Ggml;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Our dequantization against ggml's own {@code to_float}, bit for bit. */
class DequantizerTest {

    private static final List<GgmlType> READABLE = List.of(GgmlType.values()).stream().filter(GgmlType::readable).toList();

    @Test
    void typeTableMatchesGgml() {
        for (int id = 0; id < 64; id++) {
            Optional<GgmlType> type = GgmlType.byId(id);
            if (id >= 43) {
                assertTrue(type.isEmpty(), "id " + id);
                continue;
            }
            long blockSize = Ggml.blockSize(id);
            if (blockSize == 0) { // an id ggml has retired
                assertTrue(type.isEmpty(), "id " + id);
                continue;
            }
            String name = Ggml.typeName(id);
            GgmlType t = type.orElseThrow(() -> new AssertionError("ggml type " + name + " is missing"));
            assertEquals(id, t.id());
            assertEquals(Ggml.typeName(id), t.ggmlName());
            assertEquals(blockSize, t.blockSize(), t.name());
            assertEquals(Ggml.typeSize(id), t.bytesPerBlock(), t.name());
            assertEquals(Ggml.isQuantized(id), t.quantized() && t != GgmlType.I8, t.name());
        }
        assertEquals(List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q4_0, GgmlType.Q8_0, GgmlType.Q4_K, GgmlType.Q6_K, GgmlType.BF16), READABLE);
    }

    @Test
    void everyHalfAndBfloat16BitPattern() {
        byte[] all = new byte[65536 * 2];
        for (int i = 0; i < 65536; i++) {
            all[2 * i] = (byte) i;
            all[2 * i + 1] = (byte) (i >>> 8);
        }
        for (GgmlType type : List.of(GgmlType.F16, GgmlType.BF16)) {
            assertBitEqual(type, all, 65536);
        }
    }

    /** Any bytes are a valid block: random ones cover every nibble, scale and sign, NaN and infinite scales included. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void randomBytes(GgmlType type) {
        SplittableRandom random = new SplittableRandom(type.id());
        int n = 64 * 256;
        byte[] data = new byte[(int) type.byteSize(n)];
        for (int i = 0; i < data.length; i++) data[i] = (byte) random.nextInt(256);
        assertBitEqual(type, data, n);
    }

    /** Data ggml quantized itself from values with awkward ranges. */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    void ggmlQuantizedValues(GgmlType type) {
        int rowLength = 512;
        List<float[]> rows = awkwardRows(rowLength, type.id());
        float[] values = new float[rows.size() * rowLength];
        for (int r = 0; r < rows.size(); r++) System.arraycopy(rows.get(r), 0, values, r * rowLength, rowLength);
        byte[] quantized = Ggml.quantize(type, values, rows.size(), rowLength);
        assertBitEqual(type, quantized, values.length);

        // and the values come back close to what went in, where the type can represent them
        float[] back = new float[values.length];
        Dequantizer.toFloat(type, MemorySegment.ofArray(quantized), 0, back, 0, values.length);
        float max = 0;
        for (int i = 0; i < rowLength; i++) max = Math.max(max, Math.abs(values[i]));
        double tolerance = max / (type == GgmlType.Q4_0 || type == GgmlType.Q4_K ? 5 : 40);
        for (int i = 0; i < rowLength; i++) assertEquals(values[i], back[i], tolerance, "row 0, value " + i);
    }

    private static List<float[]> awkwardRows(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<float[]> rows = new ArrayList<>();
        rows.add(gaussian(random, n, 1));           // ordinary weights
        rows.add(new float[n]);                           // zeros
        rows.add(gaussian(random, n, 3e4f));         // large: half-precision scales near their limit
        rows.add(gaussian(random, n, 1e-6f));        // tiny: subnormal half-precision scales
        rows.add(gaussian(random, n, 1e-9f));        // scales that round to zero
        float[] positive = gaussian(random, n, 1);
        for (int i = 0; i < n; i++) positive[i] = Math.abs(positive[i]) + 5; // mins far from zero
        rows.add(positive);
        float[] negative = new float[n];
        for (int i = 0; i < n; i++) negative[i] = -positive[i];
        rows.add(negative);
        float[] outliers = gaussian(random, n, 0.01f);
        for (int i = 0; i < n; i += 37) outliers[i] = (i % 2 == 0 ? 1 : -1) * 100f;
        rows.add(outliers);
        float[] constant = new float[n];
        java.util.Arrays.fill(constant, 0.75f);
        rows.add(constant);
        float[] mixed = gaussian(random, n, 1);
        for (int i = 0; i < n; i++) mixed[i] *= (float) Math.pow(10, (i / 32) % 8 - 4); // each block its own scale
        rows.add(mixed);
        return rows;
    }

    private static float[] gaussian(SplittableRandom random, int n, float std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (std * gaussian(random));
        return v;
    }

    private static double gaussian(SplittableRandom random) {
        double u = 1 - random.nextDouble();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static void assertBitEqual(GgmlType type, byte[] data, int n) {
        float[] expected = type == GgmlType.F32 // ggml has no to_float for F32: the bytes are the floats
                ? MemorySegment.ofArray(data).toArray(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN))
                : Ggml.toFloat(type, data, n);
        float[] actual = new float[n + 3];
        Dequantizer.toFloat(type, MemorySegment.ofArray(data), 0, actual, 3, n); // an offset output too
        int differences = 0;
        String first = null;
        for (int i = 0; i < n; i++) {
            int e = Float.floatToRawIntBits(expected[i]);
            int a = Float.floatToRawIntBits(actual[3 + i]);
            if (e != a) {
                differences++;
                if (first == null) first = "value " + i + ": ggml " + Integer.toHexString(e) + " (" + expected[i] + "), ours " + Integer.toHexString(a) + " (" + actual[3 + i] + ")";
            }
        }
        assertEquals(0, differences, type + ": " + differences + " of " + n + " values differ; first at " + first);
        assertFalse(n == 0);
    }
}
