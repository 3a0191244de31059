package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicIntegerArray;

import org.attentionsearch.math.QuantizedMatrix.Format;
import org.attentionsearch.testing.RandomBlocks;
import org.attentionsearch.weights.Dequantizer;
import org.attentionsearch.weights.GgmlType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * QuantizedMatMul against its scalar twin (double accumulation over the blocks' values) and
 * against MatMul on the weights dequantized by {@link Dequantizer}, which is bit-exact with
 * ggml, on random blocks and shapes with ragged panels, rows stored out of order.
 *
 * <p>Tolerance, as in {@link MatMulTest}: 1e-5·(Σ_kk|a·w| + |bias|), several times the float
 * rounding of a k-term sum at these sizes, far below the effect of any wrong or missing term.
 */
class QuantizedMatMulTest {
    private static final double TOL = 1e-5;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    private static GgmlType ggml(Format f) {
        return GgmlType.valueOf(f.name());
    }

    /** Row lengths to try: whole blocks, one block and an odd number of them; for the half formats, ragged vector tails. */
    private static int[] lengths(Format f) {
        return switch (f) {
            case F16, BF16 -> new int[] {7, 45, 131};
            case Q8_0, Q4_0 -> new int[] {32, 96, 320};
            case Q4_K, Q6_K -> new int[] {256, 768};
        };
    }

    /** A random row length of 1 to 12 blocks (to 3 for the K-quants, to 400 values for the half formats). */
    private static int randomLength(Format f, Random rnd) {
        return switch (f) {
            case F16, BF16 -> 1 + rnd.nextInt(400);
            case Q8_0, Q4_0 -> 32 * (1 + rnd.nextInt(12));
            case Q4_K, Q6_K -> 256 * (1 + rnd.nextInt(3));
        };
    }

    /**
     * Halves for the scales of Q8_0 and Q4_0 blocks: subnormal, zero, signed and largest finite
     * ones, then ones with an infinity or a NaN among them.
     */
    static final short[][] SPECIAL_HALVES = {
            {0x0001, 0x03ff, 0x0000, (short) 0x8000, 0x7bff, (short) 0xfbff, 0x0400, (short) 0x83ff},
            {0x3c00, 0x7c00, (short) 0xfc00, 0x7e00}};

    /** Sets the scale of block b of stored row j (each block {@code blockBytes} long, its half first) to halves[(3j + b) mod length]. */
    static void setScales(QuantizedMatrix blocks, int blockBytes, short[] halves) {
        for (int j = 0; j < blocks.n(); j++) {
            for (int b = 0; b < blocks.k() / 32; b++) {
                blocks.data().set(java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED, blocks.rowOffset(j) + (long) blockBytes * b,
                        halves[(j * 3 + b) % halves.length]);
            }
        }
    }

    /** A matrix over random blocks whose stored rows are shuffled: W's column j is the block row order[j]. */
    static QuantizedMatrix randomMatrix(Format format, Random rnd, int k, int n) {
        int skip = rnd.nextInt(40);
        MemorySegment data = MemorySegment.ofArray(RandomBlocks.rows(format, rnd, n, k, skip));
        long[] offsets = new long[n];
        for (int j = 0; j < n; j++) offsets[j] = skip + j * format.rowBytes(k);
        for (int j = n - 1; j > 0; j--) { // shuffle
            int i = rnd.nextInt(j + 1);
            long t = offsets[i];
            offsets[i] = offsets[j];
            offsets[j] = t;
        }
        return QuantizedMatrix.of(format, data, offsets, k);
    }

    /** W [k × n] row-major, each column dequantized by weights/Dequantizer. */
    static float[] dequantized(QuantizedMatrix w) {
        int k = w.k(), n = w.n();
        float[] column = new float[k], out = new float[k * n];
        for (int j = 0; j < n; j++) {
            Dequantizer.toFloat(ggml(w.format(j)), w.data(), w.rowOffset(j), column, 0, k);
            for (int kk = 0; kk < k; kk++) out[kk * n + j] = column[kk];
        }
        return out;
    }

    /** W [k × n] row-major as {@code w} gives it column by column ({@link WeightMatrix#column}), to compare with {@link #dequantized}. */
    static float[] columns(WeightMatrix w) {
        int k = w.k(), n = w.n();
        float[] column = new float[k], out = new float[k * n];
        for (int j = 0; j < n; j++) {
            w.column(j, column, 0);
            for (int i = 0; i < k; i++) out[i * n + j] = column[i];
        }
        return out;
    }

    /**
     * For a matrix's special-scale tests: {rows × k activations of small integers and quarters
     * (i mod 7 − 3)/4, whose sums are exact in any order}, then {the scalar twin's product on W
     * spelled out value by value, w's own product}.
     */
    static float[][] smallIntegerProducts(WeightMatrix w, int rows) {
        int k = w.k(), n = w.n();
        float[] a = new float[rows * k];
        for (int i = 0; i < a.length; i++) a[i] = (i % 7 - 3) * 0.25f;
        float[] want = new float[rows * n], got = new float[rows * n];
        ScalarMatMul.multiply(a, rows, w.rows(0, k), k, n, null, Epilogue.NONE, null, want);
        w.multiply(a, rows, null, Epilogue.NONE, null, got, null);
        return new float[][] {want, got};
    }

    private static void check(Format format, int rows, int k, int n, Epilogue epilogue, boolean withBias, long seed) {
        Random rnd = new Random(seed);
        QuantizedMatrix w = randomMatrix(format, rnd, k, n);
        float[] a = MatMulTest.random(rnd, rows * k);
        float[] bias = withBias ? MatMulTest.random(rnd, n) : null;
        float[] residual = epilogue == Epilogue.ADD ? MatMulTest.random(rnd, rows * n) : null;
        float[] twin = new float[rows * n], plain = new float[rows * n], pre = new float[rows * n];
        ScalarQuantizedMatMul.multiply(a, rows, w, bias, epilogue, residual, twin);
        float[] dense = dequantized(w);
        ScalarMatMul.multiply(a, rows, dense, k, n, bias, epilogue, residual, plain);
        ScalarMatMul.multiply(a, rows, dense, k, n, bias, Epilogue.NONE, null, pre);
        float[] c = new float[rows * n + 3];
        Arrays.fill(c, Float.NaN);
        AtomicIntegerArray finished = new AtomicIntegerArray(rows);
        w.multiply(a, rows, bias, epilogue, residual, c, (from, to) -> {
            for (int r = from; r < to; r++) finished.incrementAndGet(r);
        });
        for (int r = 0; r < rows; r++) {
            assertEquals(1, finished.get(r), "row " + r + " finished once");
            for (int j = 0; j < n; j++) {
                double tol = TOL * MatMulTest.magnitude(a, dense, bias, k, n, r, j);
                if (epilogue == Epilogue.GELU || epilogue == Epilogue.GELU_TANH) {
                    tol = 1.13 * tol + 1e-6 * (1 + Math.abs(pre[r * n + j]));
                } else if (epilogue == Epilogue.ADD) {
                    tol += 1e-7 * Math.abs(residual[r * n + j]);
                }
                float got = c[r * n + j];
                for (float want : new float[] {twin[r * n + j], plain[r * n + j]}) {
                    if (!(Math.abs(got - want) <= tol)) {
                        fail(String.format("%s %s rows=%d k=%d n=%d bias=%b: c[%d][%d] = %s, expected %s (tol %.3g)",
                                format, epilogue, rows, k, n, withBias, r, j, got, want, tol));
                    }
                }
            }
        }
        for (int i = rows * n; i < c.length; i++) assertTrue(Float.isNaN(c[i]), "wrote past the end of c");
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void decodingAndPromptShapes(Format format) {
        long seed = format.ordinal() * 1000L;
        for (int rows : new int[] {1, 3, 4, 20}) {
            for (int k : lengths(format)) {
                for (int n : new int[] {1, 5, 63, 65, 130}) {
                    check(format, rows, k, n, Epilogue.NONE, (seed & 1) == 0, seed++);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Format.class)
    void everyEpilogueSingleAndMultiThreaded(Format format) {
        Random rnd = new Random(11 + format.ordinal());
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            for (int t = 0; t < 16; t++) {
                int rows = 1 + rnd.nextInt(t % 2 == 0 ? 3 : 40), k = randomLength(format, rnd), n = 1 + rnd.nextInt(200);
                Epilogue e = Epilogue.values()[t % Epilogue.values().length];
                check(format, rows, k, n, e, rnd.nextBoolean(), rnd.nextLong());
            }
        }
    }

    /** The residual add in place, c = c + a·W, read just before each element is overwritten. */
    @ParameterizedTest
    @EnumSource(Format.class)
    void inPlaceResidual(Format format) {
        Random rnd = new Random(5);
        int k = lengths(format)[0];
        for (int rows : new int[] {1, 8}) {
            QuantizedMatrix w = randomMatrix(format, rnd, k, 70);
            float[] a = MatMulTest.random(rnd, rows * k), c = MatMulTest.random(rnd, rows * 70), want = new float[rows * 70];
            ScalarQuantizedMatMul.multiply(a, rows, w, null, Epilogue.ADD, c, want);
            w.multiply(a, rows, null, Epilogue.ADD, c, c, null);
            for (int i = 0; i < want.length; i++) assertEquals(want[i], c[i], 1e-4, "element " + i);
        }
    }

    /** column, rows and columnNorms give the values weights/Dequantizer gives, bit for bit. */
    @ParameterizedTest
    @EnumSource(Format.class)
    void accessorsDequantizeExactly(Format format) {
        Random rnd = new Random(3);
        int k = lengths(format)[lengths(format).length - 1], n = 37;
        QuantizedMatrix w = randomMatrix(format, rnd, k, n);
        float[] dense = dequantized(w);
        float[] column = new float[k + 2];
        for (int j = 0; j < n; j++) {
            w.column(j, column, 2);
            for (int kk = 0; kk < k; kk++) assertEquals(dense[kk * n + j], column[2 + kk], "W[" + kk + "][" + j + "]");
        }
        assertArrayEquals(Arrays.copyOfRange(dense, 40 * n, 57 * n), w.rows(40, 17));
        for (int j = 0; j < n; j++) {
            for (int kk = 0; kk < k; kk++) assertEquals(dense[kk * n + j], w.value(j, kk), "W[" + kk + "][" + j + "] alone");
        }
        PackedMatrix packed = PackedMatrix.pack(dense, k, n);
        assertArrayEquals(packed.columnNorms(), w.columnNorms(), 1e-6f);
    }

    /**
     * F16's extremes: infinities and NaNs widen to themselves (a NaN quiet, its payload kept), the
     * largest half and subnormals exactly; a product with a row holding an infinity or NaN is not
     * finite, as in float arithmetic, in the vectors' stretch and in the tail, decoding and prompt.
     */
    @Test
    void halfPrecisionExtremes() {
        Random rnd = new Random(17);
        int k = 80, n = 6;
        byte[] bytes = RandomBlocks.rows(Format.F16, rnd, n, k, 0);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int[] nonFinite = {0x7c00, 0xfc00, 0x7e01, 0x7c01}; // +inf, -inf, a quiet and a signalling NaN
        for (int i = 0; i < nonFinite.length; i++) b.putShort(2 * (k + 3 + 11 * i), (short) nonFinite[i]); // row 1
        int[] finite = {0x7bff, 0xfbff, 0x0001, 0x83ff, 0x8000, 0x0400}; // ±65504, subnormals, -0, the smallest normal
        for (int i = 0; i < finite.length; i++) b.putShort(2 * (4 * k + 7 * i), (short) finite[i]); // row 4
        b.putShort(2 * (5 * k + 70), (short) 0x7c00); // row 5: +inf past the vectors
        QuantizedMatrix w = QuantizedMatrix.contiguous(Format.F16, MemorySegment.ofArray(bytes), 0, n, k);
        float[] dense = dequantized(w), column = new float[k];
        for (int j = 0; j < n; j++) {
            w.column(j, column, 0);
            for (int kk = 0; kk < k; kk++) {
                assertEquals(Float.floatToRawIntBits(dense[kk * n + j]), Float.floatToRawIntBits(column[kk]), "W[" + kk + "][" + j + "]");
            }
        }
        for (int rows : new int[] {1, 8}) {
            float[] a = MatMulTest.random(rnd, rows * k), c = new float[rows * n], twin = new float[rows * n];
            w.multiply(a, rows, null, Epilogue.NONE, null, c, null);
            ScalarQuantizedMatMul.multiply(a, rows, w, null, Epilogue.NONE, null, twin);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n; j++) {
                    float got = c[r * n + j], want = twin[r * n + j];
                    String where = "rows " + rows + ": c[" + r + "][" + j + "] = " + got + ", expected " + want;
                    if (j == 1) assertTrue(Float.isNaN(got) && Float.isNaN(want), where);
                    else if (j == 5) assertTrue(Float.isInfinite(got) && got == want, where);
                    else assertEquals(want, got, TOL * MatMulTest.magnitude(a, dense, null, k, n, r, j), where);
                }
            }
        }
    }

    /**
     * Parts in different formats stacked into one matrix (a Q4_K_M file's q and k in Q4_K beside
     * its v in Q6_K): each stored row read in its own format, groups of four that straddle a
     * boundary row by row, decoding and prompt alike.
     */
    @Test
    void partsInDifferentFormatsStack() {
        Random rnd = new Random(21);
        int k = 256;
        Format[] formats = {Format.Q4_K, Format.Q6_K, Format.Q8_0, Format.F16};
        int[] counts = {5, 3, 6, 2};
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        long[] starts = new long[formats.length];
        for (int p = 0; p < formats.length; p++) {
            starts[p] = bytes.size();
            bytes.writeBytes(RandomBlocks.rows(formats[p], rnd, counts[p], k, 0));
        }
        MemorySegment data = MemorySegment.ofArray(bytes.toByteArray());
        QuantizedMatrix[] parts = new QuantizedMatrix[formats.length];
        for (int p = 0; p < formats.length; p++) parts[p] = QuantizedMatrix.contiguous(formats[p], data, starts[p], counts[p], k);
        QuantizedMatrix w = QuantizedMatrix.stack(parts);
        assertEquals(java.util.List.of(formats), w.formats());
        int n = w.n();
        float[] dense = dequantized(w);
        for (int rows : new int[] {1, 3, 9}) {
            float[] a = MatMulTest.random(rnd, rows * k), c = new float[rows * n], twin = new float[rows * n];
            w.multiply(a, rows, null, Epilogue.NONE, null, c, null);
            ScalarQuantizedMatMul.multiply(a, rows, w, null, Epilogue.NONE, null, twin);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n; j++) {
                    assertEquals(twin[r * n + j], c[r * n + j], TOL * MatMulTest.magnitude(a, dense, null, k, n, r, j), "c[" + r + "][" + j + "]");
                }
            }
        }
    }

    @Test
    void stackingKeepsEachPartsRows() {
        Random rnd = new Random(9);
        byte[] bytes = RandomBlocks.rows(Format.Q8_0, rnd, 10, 64, 0);
        MemorySegment data = MemorySegment.ofArray(bytes);
        long row = Format.Q8_0.rowBytes(64);
        QuantizedMatrix top = QuantizedMatrix.contiguous(Format.Q8_0, data, 0, 4, 64);
        QuantizedMatrix bottom = QuantizedMatrix.contiguous(Format.Q8_0, data, 4 * row, 6, 64);
        QuantizedMatrix stacked = QuantizedMatrix.stack(top, bottom), whole = QuantizedMatrix.contiguous(Format.Q8_0, data, 0, 10, 64);
        assertEquals(10, stacked.n());
        assertArrayEquals(dequantized(whole), dequantized(stacked));
    }
}
