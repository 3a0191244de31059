package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.attentionsearch.math.QuantizedMatrix.Format;
import org.attentionsearch.testing.RandomBlocks;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Q4_0's and Q4_K's nibbles with their scales and offsets apart ({@link Int4Matrix}) against
 * the same blocks: every value the same bit for bit as ggml's dequantization (weights/Dequantizer)
 * but for the sign of a zero,
 * and products within float rounding of the scalar twin on W spelled out value by value and of the
 * blocks read in place; on random blocks, rows stored out of order, both formats in one matrix,
 * ragged panels, one to three threads.
 */
class Int4MatMulTest {

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    /** Q4_0 rows then Q4_K rows in one segment, stacked into one matrix, every row in its place shuffled. */
    private static QuantizedMatrix mixed(Random rnd, int k, int n0, int n1) {
        byte[] a = RandomBlocks.rows(Format.Q4_0, rnd, n0, k, 0), b = RandomBlocks.rows(Format.Q4_K, rnd, n1, k, 0);
        byte[] all = new byte[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        MemorySegment data = MemorySegment.ofArray(all);
        long[] o0 = new long[n0], o1 = new long[n1];
        for (int j = 0; j < n0; j++) o0[j] = j * Format.Q4_0.rowBytes(k);
        for (int j = 0; j < n1; j++) o1[j] = a.length + (n1 - 1 - j) * Format.Q4_K.rowBytes(k);
        return QuantizedMatrix.stack(QuantizedMatrix.of(Format.Q4_0, data, o0, k), QuantizedMatrix.of(Format.Q4_K, data, o1, k));
    }

    private static QuantizedMatrix random(Random rnd, int kind, int k, int n) {
        return switch (kind) {
            case 0 -> QuantizedMatMulTest.randomMatrix(Format.Q4_0, rnd, k, n);
            case 1 -> QuantizedMatMulTest.randomMatrix(Format.Q4_K, rnd, k, n);
            default -> mixed(rnd, k, n / 2, n - n / 2);
        };
    }

    @Test
    void holdsTheBlocksValuesExactly() {
        Random rnd = new Random(1);
        for (int kind = 0; kind < 3; kind++) {
            QuantizedMatrix blocks = random(rnd, kind, 512, 37);
            Int4Matrix w = Int4Matrix.of(blocks);
            assertEquals(512, w.k());
            assertEquals(37, w.n());
            float[] ggml = QuantizedMatMulTest.dequantized(blocks), got = new float[515];
            for (int j = 0; j < 37; j++) {
                w.column(j, got, 3);
                for (int i = 0; i < 512; i++) {
                    same(ggml[i * 37 + j], got[3 + i], blocks.format(j) + " W[" + i + "][" + j + "]");
                    same(ggml[i * 37 + j], w.value(j, i), blocks.format(j) + " W[" + i + "][" + j + "] alone");
                }
            }
            float[] want = blocks.rows(40, 17), rows = w.rows(40, 17);
            for (int i = 0; i < want.length; i++) same(want[i], rows[i], "rows 40.. [" + i + "]");
            assertArrayEquals(blocks.columnNorms(), w.columnNorms());
        }
    }

    @Test
    void interleavesFourRowsBlockByBlockAndTheRestRowByRow() {
        Random rnd = new Random(4);
        for (int kind = 0; kind < 2; kind++) {
            int k = 256, blocks = k / Int4Matrix.BLOCK;
            for (int n : new int[] {1, 4, 7, 9}) {
                Int4Matrix w = Int4Matrix.of(random(rnd, kind, k, n));
                boolean[] taken = new boolean[k / 2 * n];
                for (int j = 0; j < n; j++) {
                    for (int b = 0; b < blocks; b++) {
                        for (int i = 0; i < 16; i++) {
                            int at = w.at(j, b) + i;
                            assertEquals(false, taken[at], "n = " + n + ": byte " + i + " of block " + b + " of row " + j + " lands where another is");
                            taken[at] = true;
                        }
                    }
                }
                int whole = n - n % 4;
                for (int j = 0; j < whole; j += 4) { // block b of the group's four rows one after another, then block b + 1
                    int at = j * k / 2;
                    for (int b = 0; b < blocks; b++) {
                        for (int r = 0; r < 4; r++, at += 16) assertEquals(at, w.at(j + r, b), "row " + (j + r) + " block " + b);
                    }
                }
                for (int j = whole; j < n; j++) assertEquals(j * k / 2, w.at(j, 0), "the last rows row by row");
            }
        }
    }

    @Test
    void keepsQ40ScalesAsTheFilesHalvesAndNoOffsets() {
        Random rnd = new Random(5);
        Int4Matrix q40 = Int4Matrix.of(random(rnd, 0, 128, 9));
        assertEquals(9 * 4, q40.halfScales().length, "a half per block, as the file has");
        assertEquals(null, q40.scales());
        assertEquals(null, q40.offsets(), "Q4_0's offsets are 8·d");
        for (int kind = 1; kind < 3; kind++) {
            Int4Matrix w = Int4Matrix.of(random(rnd, kind, 256, 9));
            assertEquals(null, w.halfScales(), "Q4_K's scales d·sc need more bits than a half has");
            assertEquals(9 * 8, w.offsets().length);
        }
    }

    /**
     * Q4_0's halves kept as they are, subnormal, zero, signed and largest ones included, give
     * ggml's values and the twin's products; a matrix with an infinite or NaN scale (which a
     * file's check at open refuses before this) keeps its scales as floats.
     */
    @Test
    void keepsQ40ScalesExactlyFromSubnormalHalvesToTheLargest() {
        short[][] specials = QuantizedMatMulTest.SPECIAL_HALVES;
        for (short[] halves : specials) {
            Random rnd = new Random(halves.length);
            int k = 96, n = 21;
            QuantizedMatrix blocks = QuantizedMatMulTest.randomMatrix(Format.Q4_0, rnd, k, n);
            QuantizedMatMulTest.setScales(blocks, 18, halves);
            Int4Matrix w = Int4Matrix.of(blocks);
            boolean finite = halves == specials[0];
            assertEquals(finite, w.halfScales() != null, "scales kept as halves");
            if (!finite) continue;
            float[] ggml = QuantizedMatMulTest.dequantized(blocks), got = QuantizedMatMulTest.columns(w);
            for (int i = 0; i < ggml.length; i++) same(ggml[i], got[i], "W[" + i / n + "][" + i % n + "]");
            for (int rows = 1; rows <= 3; rows++) {
                float[][] products = QuantizedMatMulTest.smallIntegerProducts(w, rows);
                float[] want = products[0], c = products[1];
                // s·Σq·x − 8s·Σx against Σ(s·q − 8s)·x: the largest halves' products cancel, so the rounding is relative to them
                for (int i = 0; i < c.length; i++) assertEquals(want[i], c[i], 1e-6 * 65504 * 15 * k, "c[" + i + "] with " + rows + " rows");
            }
        }
    }

    /**
     * The same float bit for bit, but for the sign of a zero: Q4_0's (q − 8)·d is −0 where q = 8
     * and d &lt; 0, s·q − m is +0 there. A zero's sign changes no sum it enters.
     */
    private static void same(float want, float got, String what) {
        if (want == 0 && got == 0) return;
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), what + ": " + got + ", expected " + want);
    }

    @Test
    void onlyFourBitBlocksHoldNibbles() {
        QuantizedMatrix q8 = QuantizedMatMulTest.randomMatrix(Format.Q8_0, new Random(2), 256, 3);
        assertThrows(IllegalArgumentException.class, () -> Int4Matrix.of(q8));
    }

    @Test
    void multipliesAsTheBlocksInPlaceAndAsTheScalarTwin() {
        Random rnd = new Random(7);
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            for (int t = 0; t < 24; t++) {
                int kind = t % 3;
                int rows = t % 4 == 0 ? 1 + rnd.nextInt(30) : 1 + rnd.nextInt(3);
                int k = kind == 0 ? 32 * (1 + rnd.nextInt(24)) : 256 * (1 + rnd.nextInt(3)), n = 1 + rnd.nextInt(150);
                Epilogue epilogue = Epilogue.values()[t % Epilogue.values().length];
                QuantizedMatrix blocks = random(rnd, kind, k, n);
                Int4Matrix w = Int4Matrix.of(blocks);
                float[] a = MatMulTest.random(rnd, rows * k);
                float[] bias = rnd.nextBoolean() ? MatMulTest.random(rnd, n) : null;
                float[] residual = epilogue == Epilogue.ADD ? MatMulTest.random(rnd, rows * n) : null;
                float[] inPlace = new float[rows * n], got = new float[rows * n], twin = new float[rows * n];
                blocks.multiply(a, rows, bias, epilogue, residual, inPlace, null);
                w.multiply(a, rows, bias, epilogue, residual, got, null);
                ScalarMatMul.multiply(a, rows, w.rows(0, k), k, n, bias, epilogue, residual, twin); // the scalar twin on W spelled out value by value
                for (int i = 0; i < got.length; i++) {
                    // float rounding of the two sums s·Σq·x and Σm·X: relative to the size of their terms
                    double tol = 1e-5 * magnitude(w, a, bias, i / n, i % n)
                            + (epilogue == Epilogue.ADD ? 1e-7 * Math.abs(residual[i]) : 0) + 1e-6 * Math.abs(twin[i]);
                    String what = blocks.formats() + " " + rows + " × " + k + " × " + n + " " + epilogue + ": c[" + i + "] = " + got[i];
                    if (!(Math.abs(got[i] - inPlace[i]) <= tol)) fail(what + ", in place " + inPlace[i]);
                    if (!(Math.abs(got[i] - twin[i]) <= tol)) fail(what + ", twin " + twin[i]);
                }
            }
        }
    }

    /** |bias| + Σ_i (|s·q_i| + |m|)·|a[r][i]|: the size of the terms both factors of the product are summed from. */
    private static double magnitude(Int4Matrix w, float[] a, float[] bias, int r, int j) {
        int k = w.k(), blocks = k / Int4Matrix.BLOCK;
        double s = bias == null ? 0 : Math.abs(bias[j]);
        for (int i = 0; i < k; i++) {
            int b = j * blocks + i / Int4Matrix.BLOCK;
            int within = i % Int4Matrix.BLOCK, bits = w.nibbles()[w.at(j, i / Int4Matrix.BLOCK) + within % 16] & 0xff;
            int q = within < 16 ? bits & 0x0f : bits >>> 4;
            s += (Math.abs(w.scale(b) * q) + Math.abs(w.offset(b))) * Math.abs(a[r * k + i]);
        }
        return s;
    }
}
