package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Random;

import org.attentionsearch.math.QuantizedMatrix.Format;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Q8_0's, Q4_0's and Q6_K's bytes and scales apart ({@link Int8Matrix}) against the same blocks
 * read in place: the same values bit for bit as ggml's dequantization, products within float
 * rounding of the in-place kernels (for Q8_0 and Q4_0 up to the last bits: both sum a block's
 * products in the same order and scale it once; Q6_K's in-place kernel scales every value) and
 * of the scalar twin, which sums in double; on random blocks, rows stored out of order, ragged panels, one to three threads.
 */
class Int8MatMulTest {

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void holdsTheBlocksValuesExactly() {
        Random rnd = new Random(1);
        QuantizedMatrix blocks = QuantizedMatMulTest.randomMatrix(Format.Q8_0, rnd, 96, 37);
        Int8Matrix w = Int8Matrix.of(blocks);
        assertEquals(96, w.k());
        assertEquals(37, w.n());
        float[] want = new float[96], got = new float[99];
        for (int j = 0; j < 37; j++) {
            blocks.column(j, want, 0);
            w.column(j, got, 3);
            for (int i = 0; i < 96; i++) assertEquals(want[i], got[3 + i], "W[" + i + "][" + j + "]");
        }
        assertArrayEquals(blocks.rows(40, 17), w.rows(40, 17));
        assertArrayEquals(blocks.columnNorms(), w.columnNorms());
    }

    @Test
    void holdsQ40BlocksAsSignedBytesExactly() {
        QuantizedMatrix q4 = QuantizedMatMulTest.randomMatrix(Format.Q4_0, new Random(2), 96, 21);
        Int8Matrix w = Int8Matrix.of(q4);
        float[] ggml = QuantizedMatMulTest.dequantized(q4), got = new float[96];
        for (int j = 0; j < 21; j++) {
            w.column(j, got, 0);
            for (int i = 0; i < 96; i++) assertEquals(ggml[i * 21 + j], got[i], "W[" + i + "][" + j + "]");
        }
    }

    @Test
    void holdsQ6KBlocksAsSignedBytesExactly() {
        QuantizedMatrix q6 = QuantizedMatMulTest.randomMatrix(Format.Q6_K, new Random(3), 512, 21);
        Int8Matrix w = Int8Matrix.of(q6);
        float[] ggml = QuantizedMatMulTest.dequantized(q6), got = new float[512];
        for (int j = 0; j < 21; j++) {
            w.column(j, got, 0);
            for (int i = 0; i < 512; i++) {
                assertEquals(ggml[i * 21 + j], got[i], "W[" + i + "][" + j + "]");
                assertEquals(ggml[i * 21 + j], w.value(j, i), "W[" + i + "][" + j + "] alone");
            }
        }
    }

    @Test
    void onlyQ80AndQ40OrQ6KBlocksHoldOneBytePerValue() {
        QuantizedMatrix q4k = QuantizedMatMulTest.randomMatrix(Format.Q4_K, new Random(2), 256, 3);
        assertThrows(IllegalArgumentException.class, () -> Int8Matrix.of(q4k));
    }

    @Test
    void multipliesAsTheBlocksInPlaceAndAsTheScalarTwin() {
        Random rnd = new Random(7);
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            for (int t = 0; t < 24; t++) {
                int rows = t % 3 == 0 ? 1 + rnd.nextInt(30) : 1 + rnd.nextInt(3);
                Format format = new Format[] {Format.Q8_0, Format.Q4_0, Format.Q6_K}[t % 3];
                int k = format == Format.Q6_K ? 256 * (1 + rnd.nextInt(3)) : 32 * (1 + rnd.nextInt(12)), n = 1 + rnd.nextInt(150);
                Epilogue epilogue = Epilogue.values()[t % Epilogue.values().length];
                QuantizedMatrix blocks = QuantizedMatMulTest.randomMatrix(format, rnd, k, n);
                Int8Matrix w = Int8Matrix.of(blocks);
                float[] a = MatMulTest.random(rnd, rows * k);
                float[] bias = rnd.nextBoolean() ? MatMulTest.random(rnd, n) : null;
                float[] residual = epilogue == Epilogue.ADD ? MatMulTest.random(rnd, rows * n) : null;
                float[] inPlace = new float[rows * n], got = new float[rows * n], twin = new float[rows * n];
                blocks.multiply(a, rows, bias, epilogue, residual, inPlace, null);
                w.multiply(a, rows, bias, epilogue, residual, got, null);
                ScalarMatMul.multiply(a, rows, w.rows(0, k), k, n, bias, epilogue, residual, twin); // the scalar twin on W spelled out value by value
                float[] dense = w.rows(0, k);
                for (int i = 0; i < got.length; i++) {
                    // as in MatMulTest: float rounding of a k-term sum, far below any wrong or missing term
                    double tol = 1e-5 * MatMulTest.magnitude(a, dense, bias, k, n, i / n, i % n)
                            + (epilogue == Epilogue.ADD ? 1e-7 * Math.abs(residual[i]) : 0) + 1e-6 * Math.abs(twin[i]);
                    String what = format + " " + rows + " × " + k + " × " + n + " " + epilogue + ": c[" + i + "] = " + got[i];
                    if (!(Math.abs(got[i] - inPlace[i]) <= tol)) fail(what + ", in place " + inPlace[i]);
                    if (!(Math.abs(got[i] - twin[i]) <= tol)) fail(what + ", twin " + twin[i]);
                }
            }
        }
    }

    @Test
    void keepsEveryScaleExactlyFromSubnormalHalvesToInfinities() {
        // Subnormal, zero, signed and largest halves, infinities and NaNs are kept exactly as
        // floats, and the products are as ggml's.
        for (short[] halves : QuantizedMatMulTest.SPECIAL_HALVES) {
            Random rnd = new Random(halves.length);
            int k = 96, n = 21;
            QuantizedMatrix blocks = QuantizedMatMulTest.randomMatrix(Format.Q8_0, rnd, k, n);
            QuantizedMatMulTest.setScales(blocks, 34, halves);
            Int8Matrix w = Int8Matrix.of(blocks);
            float[] ggml = QuantizedMatMulTest.dequantized(blocks), got = QuantizedMatMulTest.columns(w);
            for (int i = 0; i < ggml.length; i++) assertEquals(ggml[i], got[i], "W[" + i / n + "][" + i % n + "]");
            for (int rows = 1; rows <= 3; rows++) {
                float[][] products = QuantizedMatMulTest.smallIntegerProducts(w, rows); // sums exact in any order
                float[] want = products[0], c = products[1];
                for (int i = 0; i < c.length; i++) {
                    String what = "c[" + i + "] with " + rows + " rows";
                    if (Float.isFinite(want[i])) assertEquals(want[i], c[i], Math.abs(want[i]) * 1e-6, what);
                    else assertEquals(want[i], c[i], what); // the same infinity, or NaN
                }
            }
        }
    }

    @Test
    void keepsFourRowsAndTheirScalesInOneStream() {
        Random rnd = new Random(5);
        for (Format format : new Format[] {Format.Q8_0, Format.Q6_K}) {
            int k = format == Format.Q6_K ? 256 : 96;
            for (int n : new int[] {1, 4, 7, 9}) { // the last group filled up with zero rows, but for n = 4
                Int8Matrix w = Int8Matrix.of(QuantizedMatMulTest.randomMatrix(format, rnd, k, n));
                int block = w.block(), blocks = k / block, step = Int8Matrix.step(block);
                String what = format + " n = " + n;
                assertEquals((n + 3) / 4 * blocks * step, w.data().length, what + ": groups of four rows");
                boolean[] taken = new boolean[w.data().length];
                for (int j = 0; j < n; j++) {
                    for (int b = 0; b < blocks; b++) {
                        int group = (j / 4 * blocks + b) * step; // block b of the group's four rows one after another, then their scales
                        int d = w.scaleAt(j, b);
                        assertEquals(group + 4 * block + 4 * (j % 4), d, what + ": scale of block " + b + " of row " + j);
                        for (int t = d; t < d + 4; t++) taken[t] = true;
                        for (int i = 0; i < block; i++) {
                            int at = w.at(j, b * block + i);
                            assertEquals(group + (j % 4) * block + i, at, what + ": W[" + (b * block + i) + "][" + j + "]");
                            assertFalse(taken[at], what + ": two values at " + at);
                            taken[at] = true;
                        }
                    }
                }
                for (int t = 0; t < taken.length; t++) {
                    if (!taken[t]) assertEquals(0, w.data()[t], what + ": the filling rows are zeros, at " + t);
                }
            }
        }
    }
}
