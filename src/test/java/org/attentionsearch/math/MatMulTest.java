package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * MatMul against ScalarMatMul (double accumulation) on many shapes.
 *
 * <p>Tolerance: MatMul accumulates each output as a sequential float FMA chain of k terms, so
 * its rounding error is at most about k·u·Σ_kk|a·w| (u = 2^-24) and, for data of random sign,
 * typically √k·u·Σ|a·w| ≈ 2.3e-6·Σ|a·w| at k = 1536. We allow 1e-5·(Σ_kk|a·w| + |bias|):
 * several times the typical error at the largest k, yet any indexing or packing mistake
 * (a wrong or missing term) is orders of magnitude larger.
 */
class MatMulTest {
    private static final int[] SIZES = {1, 3, 17, 33, 100, 384, 1536};
    private static final double TOL = 1e-5;

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    static float[] random(Random rnd, int len) {
        float[] x = new float[len];
        for (int i = 0; i < len; i++) {
            x[i] = (float) rnd.nextGaussian();
        }
        return x;
    }

    static float[] transpose(float[] w, int k, int n) {
        float[] t = new float[k * n];
        for (int kk = 0; kk < k; kk++) {
            for (int j = 0; j < n; j++) {
                t[j * k + kk] = w[kk * n + j];
            }
        }
        return t;
    }

    /** Σ_kk |a[r][kk]·w[kk][j]| + |bias[j]|: the scale the rounding error is measured against. */
    static double magnitude(float[] a, float[] w, float[] bias, int k, int n, int r, int j) {
        double s = bias == null ? 0 : Math.abs(bias[j]);
        for (int kk = 0; kk < k; kk++) {
            s += Math.abs((double) a[r * k + kk] * w[kk * n + j]);
        }
        return s;
    }

    private static void check(int rows, int k, int n, Epilogue epilogue, boolean withBias, long seed, boolean parallel) {
        Random rnd = new Random(seed);
        float[] a = random(rnd, rows * k);
        float[] w = random(rnd, k * n);
        float[] bias = withBias ? random(rnd, n) : null;
        float[] residual = epilogue == Epilogue.ADD ? random(rnd, rows * n) : null;
        float[] expected = new float[rows * n];
        ScalarMatMul.multiply(a, rows, w, k, n, bias, epilogue, residual, expected);
        float[] pre = expected;
        if (epilogue != Epilogue.NONE) { // the linear part, to judge the epilogue's input error
            pre = new float[rows * n];
            ScalarMatMul.multiply(a, rows, w, k, n, bias, Epilogue.NONE, null, pre);
        }
        float[] c = new float[rows * n + 5];
        Arrays.fill(c, Float.NaN);
        PackedMatrix packed = PackedMatrix.pack(w, k, n);
        if (parallel) {
            MatMul.multiply(a, rows, packed, bias, epilogue, residual, c);
        } else {
            MatMul.multiply(a, packed, bias, epilogue, residual, c, 0, rows);
        }
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                double scale = magnitude(a, w, bias, k, n, r, j);
                double tol = TOL * scale;
                if (epilogue == Epilogue.GELU || epilogue == Epilogue.GELU_TANH) { // |gelu'| <= 1.13, plus the approximation
                    tol = 1.13 * tol + 1e-6 * (1 + Math.abs(pre[r * n + j]));
                } else if (epilogue == Epilogue.ADD) {
                    tol += 1e-7 * Math.abs(residual[r * n + j]);
                }
                float got = c[r * n + j];
                float want = expected[r * n + j];
                if (!(Math.abs(got - want) <= tol)) {
                    fail(String.format("%s rows=%d k=%d n=%d bias=%b: c[%d][%d] = %s, expected %s (tol %.3g)",
                            epilogue, rows, k, n, withBias, r, j, got, want, tol));
                }
            }
        }
        for (int i = rows * n; i < c.length; i++) {
            assertTrue(Float.isNaN(c[i]), "wrote past the end of c");
        }
    }

    @Test
    void allSizeCombinations() {
        long seed = 1;
        for (int rows : SIZES) {
            for (int k : SIZES) {
                for (int n : SIZES) {
                    if ((long) rows * k * n > 20_000_000L) {
                        continue;
                    }
                    check(rows, k, n, Epilogue.NONE, (seed & 1) == 0, seed++, false);
                }
            }
        }
    }

    @Test
    void everyEpilogueWithAndWithoutBias() {
        long seed = 100;
        int[][] shapes = {{1, 1, 1}, {2, 64, 130}, {8, 33, 64}, {3, 17, 33}, {17, 100, 65}, {33, 384, 100}, {7, 1536, 384}, {100, 384, 1536}};
        for (int[] s : shapes) {
            for (Epilogue e : Epilogue.values()) {
                check(s[0], s[1], s[2], e, true, seed++, false);
                check(s[0], s[1], s[2], e, false, seed++, true);
            }
        }
    }

    @Test
    void randomShapesSingleAndMultiThreaded() {
        Random rnd = new Random(7);
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            for (int t = 0; t < 25; t++) {
                int rows = 1 + rnd.nextInt(130);
                int k = 1 + rnd.nextInt(400);
                int n = 1 + rnd.nextInt(300);
                Epilogue e = Epilogue.values()[rnd.nextInt(Epilogue.values().length)];
                check(rows, k, n, e, rnd.nextBoolean(), rnd.nextLong(), true);
            }
        }
    }

    /** A row step after the product (the encoder's LayerNorm) sees every row once, finished. */
    @Test
    void thenRowsRunsOnEveryFinishedRowOnce() {
        Random rnd = new Random(13);
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            for (int rows : new int[] {1, 2, 7, 47, 48, 49, 72, 73, 200}) {
                int k = 40, n = 100;
                float[] a = random(rnd, rows * k), bias = random(rnd, n);
                PackedMatrix w = PackedMatrix.pack(random(rnd, k * n), k, n);
                float[] plain = new float[rows * n], fused = new float[rows * n];
                MatMul.multiply(a, rows, w, bias, Epilogue.NONE, null, plain);
                for (int r = 0; r < rows; r++) Vectors.scale(plain, r * n, n, 0.5f);
                int[] seen = new int[rows];
                MatMul.multiply(a, rows, w, bias, Epilogue.NONE, null, fused, (from, to) -> {
                    for (int r = from; r < to; r++) {
                        Vectors.scale(fused, r * n, n, 0.5f);
                        synchronized (seen) {
                            seen[r]++;
                        }
                    }
                });
                assertArrayEquals(plain, fused, threads + " threads, " + rows + " rows");
                for (int r = 0; r < rows; r++) assertEquals(1, seen[r], "row " + r);
            }
        }
    }

    @Test
    void rowRangesWriteOnlyTheirRows() {
        Random rnd = new Random(11);
        int rows = 40, k = 33, n = 100;
        float[] a = random(rnd, rows * k);
        float[] w = random(rnd, k * n);
        float[] bias = random(rnd, n);
        float[] expected = new float[rows * n];
        ScalarMatMul.multiply(a, rows, w, k, n, bias, Epilogue.NONE, null, expected);
        PackedMatrix packed = PackedMatrix.pack(w, k, n);
        int[][] ranges = {{0, 0}, {0, 1}, {5, 6}, {3, 20}, {13, 40}, {0, 40}, {39, 40}};
        for (int[] range : ranges) {
            float[] c = new float[rows * n];
            Arrays.fill(c, Float.NaN);
            MatMul.multiply(a, packed, bias, Epilogue.NONE, null, c, range[0], range[1]);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < n; j++) {
                    float got = c[r * n + j];
                    if (r >= range[0] && r < range[1]) {
                        double tol = TOL * magnitude(a, w, bias, k, n, r, j);
                        assertEquals(expected[r * n + j], got, tol, "row " + r + " col " + j);
                    } else {
                        assertTrue(Float.isNaN(got), "row " + r + " outside " + Arrays.toString(range) + " was written");
                    }
                }
            }
        }
    }

    @Test
    void residualMayBeTheOutputArray() {
        Random rnd = new Random(13);
        int rows = 37, k = 100, n = 70;
        float[] a = random(rnd, rows * k);
        float[] w = random(rnd, k * n);
        float[] bias = random(rnd, n);
        float[] hidden = random(rnd, rows * n);
        float[] expected = new float[rows * n];
        ScalarMatMul.multiply(a, rows, w, k, n, bias, Epilogue.ADD, hidden, expected);
        MatMul.multiply(a, rows, PackedMatrix.pack(w, k, n), bias, Epilogue.ADD, hidden, hidden);
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                double tol = TOL * magnitude(a, w, bias, k, n, r, j) + 1e-6 * Math.abs(expected[r * n + j]);
                assertEquals(expected[r * n + j], hidden[r * n + j], tol);
            }
        }
    }

    @Test
    void packTransposedEqualsPackOfTranspose() {
        Random rnd = new Random(5);
        for (int k : SIZES) {
            for (int n : SIZES) {
                float[] w = random(rnd, k * n);
                PackedMatrix direct = PackedMatrix.pack(w, k, n);
                PackedMatrix viaT = PackedMatrix.packTransposed(transpose(w, k, n), n, k);
                assertEquals(k, viaT.k());
                assertEquals(n, viaT.n());
                assertArrayEquals(direct.data(), viaT.data());
                for (int kk = 0; kk < k; kk++) { // every weight where the layout's definition puts it
                    for (int j = 0; j < n; j++) assertEquals(w[kk * n + j], direct.get(kk, j));
                }
            }
        }
    }

    /** Packing Wᵀ a block of rows at a time gives the same layout as packing it whole. */
    @Test
    void packingInBlocksOfRowsEqualsPackingWhole() {
        Random rnd = new Random(21);
        for (int[] nk : new int[][] {{1, 1}, {3, 700}, {4097, 300}, {70, 64}, {100_003, 11}}) {
            int n = nk[0], k = nk[1];
            float[] wt = random(rnd, n * k);
            PackedMatrix whole = PackedMatrix.packTransposed(wt, n, k);
            PackedMatrix blocks = PackedMatrix.packTransposed((first, count) -> Arrays.copyOfRange(wt, first * k, (first + count) * k), n, k);
            for (int kk = 0; kk < k; kk += Math.max(1, k / 7)) {
                for (int j = 0; j < n; j += Math.max(1, n / 13)) assertEquals(whole.get(kk, j), blocks.get(kk, j));
            }
            assertEquals(whole.n(), blocks.n());
        }
    }

    /** Parts stacked row by row (q, k, v) and read a block at a time pack as their concatenation does, blocks crossing no part's end. */
    @Test
    void packingStackedPartsEqualsPackingTheirConcatenation() {
        Random rnd = new Random(23);
        for (int[] parts : new int[][] {{1}, {70, 3, 130}, {64, 64}, {5000, 1, 200}}) {
            int k = parts.length == 3 && parts[0] == 5000 ? 9 : 4096; // blocks of 64 rows for k = 4096, of thousands for k = 9
            List<PackedMatrix.Rows> rows = new java.util.ArrayList<>();
            int n = 0;
            for (int count : parts) n += count;
            float[] wt = random(rnd, n * k);
            for (int i = 0, j = 0; i < parts.length; j += parts[i++]) {
                int from = j, size = parts[i];
                rows.add((first, count) -> {
                    assertTrue(first >= 0 && count > 0 && first + count <= size, "rows " + first + " + " + count + " of " + size);
                    return Arrays.copyOfRange(wt, (from + first) * k, (from + first + count) * k);
                });
            }
            PackedMatrix whole = PackedMatrix.packTransposed(wt, n, k);
            PackedMatrix stacked = PackedMatrix.packTransposed(rows, parts, k);
            assertEquals(n, stacked.n());
            for (int kk = 0; kk < k; kk += Math.max(1, k / 7)) {
                for (int j = 0; j < n; j++) assertEquals(whole.get(kk, j), stacked.get(kk, j), "W[" + kk + "][" + j + "]");
            }
        }
    }

    /** Rows read back from the packed layout are W's rows. */
    @Test
    void rowsComeBackFromThePackedLayout() {
        Random rnd = new Random(22);
        for (int[] kn : new int[][] {{1, 1}, {5, 63}, {64, 64}, {30, 130}, {7, 1000}}) {
            int k = kn[0], n = kn[1];
            float[] w = random(rnd, k * n);
            PackedMatrix packed = PackedMatrix.pack(w, k, n);
            for (int from = 0; from < k; from += 2) {
                int count = Math.min(3, k - from);
                assertArrayEquals(Arrays.copyOfRange(w, from * n, (from + count) * n), packed.rows(from, count), k + "x" + n + " from " + from);
            }
        }
    }
    @Test
    void plainLoopsGiveTheVectorKernelsBits() {
        // Which way a small multiplication goes must not show in its result: every output is the
        // same chain of fused multiply-adds, and the epilogue the same float operations.
        Random rnd = new Random(11);
        for (int rows : new int[] {1, 2, 5, 6, 7, 8, 12, 15}) {
            for (int[] kn : new int[][] {{1, 1}, {17, 33}, {384, 100}, {33, 150}, {100, 1536}}) {
                int k = kn[0], n = kn[1];
                PackedMatrix w = PackedMatrix.pack(random(rnd, k * n), k, n);
                float[] a = random(rnd, rows * k), bias = random(rnd, n), residual = random(rnd, rows * n);
                for (Epilogue e : new Epilogue[] {Epilogue.NONE, Epilogue.ADD, Epilogue.GELU}) {
                    for (float[] b : new float[][] {null, bias}) {
                        float[] vector = new float[rows * n], plain = new float[rows * n];
                        MatMul.multiplyBlock(a, w, b, e, residual, vector, 0, rows, 0, w.panels(), false);
                        MatMul.multiplyBlock(a, w, b, e, residual, plain, 0, rows, 0, w.panels(), true);
                        assertArrayEquals(vector, plain, 0f, rows + "×" + k + "×" + n + " " + e + (b == null ? "" : " with bias"));
                    }
                }
                float[] inPlace = residual.clone(), vector = new float[rows * n];
                MatMul.multiplyBlock(a, w, bias, Epilogue.ADD, residual, vector, 0, rows, 0, w.panels(), false);
                MatMul.multiplyBlock(a, w, bias, Epilogue.ADD, inPlace, inPlace, 0, rows, 0, w.panels(), true);
                assertArrayEquals(vector, inPlace, 0f, "a residual added in place");
            }
        }
    }

    @Test
    void plainGeluGivesTheVectorGelusBits() {
        Random rnd = new Random(12);
        float[] x = new float[4099];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
        float[] special = {0f, -0f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE,
                -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 13.2f, -13.2f, 9.3f, -9.3f, 1e-20f, -1e-20f};
        System.arraycopy(special, 0, x, 0, special.length);
        float[] vector = x.clone(), plain = x.clone();
        VectorMath.gelu(vector, 1, x.length - 1);
        PlainKernels.gelu(plain, 1, x.length - 1);
        for (int i = 0; i < x.length; i++) {
            assertEquals(Float.floatToIntBits(vector[i]), Float.floatToIntBits(plain[i]), "gelu(" + x[i] + ")"); // any NaN as one
        }
    }
    @Test
    void plainLayerNormGivesTheVectorOnesBits() {
        Random rnd = new Random(13);
        for (int len : new int[] {1, 2, 7, 15, 16, 17, 31, 33, 100, 384, 385, 1000}) {
            float[] x = random(rnd, len + 3), gamma = random(rnd, len), beta = random(rnd, len);
            for (int i = 0; i < x.length; i++) x[i] = x[i] * 3 + 5; // a mean far from 0
            for (float[] b : new float[][] {null, beta}) {
                float[] vector = new float[len + 1], plain = new float[len + 1];
                Vectors.vectorLayerNorm(x, 3, vector, 1, len, gamma, b, 1e-12f);
                PlainKernels.layerNorm(x, 3, plain, 1, len, gamma, b, 1e-12f);
                assertArrayEquals(vector, plain, 0f, "layerNorm of " + len + (b == null ? "" : " with β"));
                float[] inPlace = x.clone();
                PlainKernels.layerNorm(inPlace, 3, inPlace, 3, len, gamma, b, 1e-12f);
                assertArrayEquals(Arrays.copyOfRange(vector, 1, len + 1), Arrays.copyOfRange(inPlace, 3, len + 3), 0f, "in place");
            }
        }
    }
    @Test
    void plainSoftmaxGivesTheVectorOnesBits() {
        Random rnd = new Random(14);
        for (int len : new int[] {1, 2, 7, 15, 16, 17, 33, 100, 384, 385}) {
            for (int kind = 0; kind < 4; kind++) {
                float[] x = random(rnd, len + 2);
                for (int i = 0; i < x.length; i++) {
                    x[i] *= kind == 1 ? 60 : 4; // kind 1 reaches e^x's clamps
                    if (kind == 2 && i % 3 == 0) x[i] = Float.NEGATIVE_INFINITY; // masked keys
                    if (kind == 3) x[i] = Float.NEGATIVE_INFINITY; // a row that attends to nothing
                }
                float[] vector = x.clone(), plain = x.clone();
                Vectors.vectorSoftmax(vector, 2, len);
                PlainKernels.softmax(plain, 2, len);
                assertArrayEquals(vector, plain, 0f, "softmax of " + len + ", kind " + kind);
            }
        }
    }
}
