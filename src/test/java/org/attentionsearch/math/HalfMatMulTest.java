package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.foreign.MemorySegment;
import java.util.Random;

import org.attentionsearch.math.QuantizedMatrix.Format;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * F16 halves in an array ({@link HalfMatrix}) against the same rows read in place: the same
 * values bit for bit, and products within float rounding of those in place and of the scalar
 * twin, which sums in double; on random rows stored out of order, ragged panels and row
 * lengths that are no multiple of a vector, one to three threads, and inputs large enough that
 * x cannot take the halves' whole scale.
 */
class HalfMatMulTest {

    @AfterEach
    void restoreThreads() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void holdsTheHalvesExactly() {
        Random rnd = new Random(1);
        QuantizedMatrix rows = QuantizedMatMulTest.randomMatrix(Format.F16, rnd, 90, 37);
        HalfMatrix w = HalfMatrix.of(rows);
        assertEquals(90, w.k());
        assertEquals(37, w.n());
        float[] want = new float[90], got = new float[93];
        for (int j = 0; j < 37; j++) {
            rows.column(j, want, 0);
            w.column(j, got, 3);
            for (int i = 0; i < 90; i++) assertEquals(want[i], got[3 + i], "W[" + i + "][" + j + "]");
        }
        assertArrayEquals(rows.rows(40, 17), w.rows(40, 17));
        assertArrayEquals(rows.columnNorms(), w.columnNorms());
    }

    @Test
    void widensEverySubnormalAndNormalHalfExactly() {
        short[] all = new short[2 * 0x7c00];
        for (int h = 0; h < 0x7c00; h++) {
            all[2 * h] = (short) h; // every finite non-negative half ...
            all[2 * h + 1] = (short) (h | 0x8000); // ... and its negative
        }
        HalfMatrix w = HalfMatrix.of(QuantizedMatrix.contiguous(Format.F16, MemorySegment.ofArray(all), 0, 2 * 0x7c00 / 64, 64));
        float[] column = new float[64];
        for (int j = 0; j < w.n(); j++) {
            w.column(j, column, 0);
            for (int i = 0; i < 64; i++) {
                assertEquals(Float.float16ToFloat(all[j * 64 + i]), column[i], "half 0x" + Integer.toHexString(all[j * 64 + i] & 0xffff));
            }
        }
    }

    @Test
    void refusesInfinitiesAndNaNs() {
        for (short bad : new short[] {0x7c00, (short) 0xfc00, 0x7e00, 0x7c01}) {
            short[] halves = new short[3 * 40];
            halves[77] = bad;
            QuantizedMatrix q = QuantizedMatrix.contiguous(Format.F16, MemorySegment.ofArray(halves), 0, 3, 40);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HalfMatrix.of(q));
            assertEquals(true, e.getMessage().startsWith("W[37][1] is not finite"), e.getMessage());
        }
    }

    @Test
    void onlyF16RowsHoldOneHalfPerValue() {
        QuantizedMatrix bf16 = QuantizedMatMulTest.randomMatrix(Format.BF16, new Random(2), 64, 3);
        assertThrows(IllegalArgumentException.class, () -> HalfMatrix.of(bf16));
    }

    @Test
    void multipliesAsTheRowsInPlaceAndAsTheScalarTwin() {
        Random rnd = new Random(7);
        for (int threads : new int[] {1, 2, 3}) {
            Parallel.setThreads(threads);
            for (int t = 0; t < 30; t++) {
                int rows = t % 3 == 0 ? 1 + rnd.nextInt(30) : 1 + rnd.nextInt(3);
                int k = 1 + rnd.nextInt(300), n = 1 + rnd.nextInt(330);
                Epilogue epilogue = Epilogue.values()[t % Epilogue.values().length];
                QuantizedMatrix inPlaceRows = QuantizedMatMulTest.randomMatrix(Format.F16, rnd, k, n);
                HalfMatrix w = HalfMatrix.of(inPlaceRows);
                float[] a = MatMulTest.random(rnd, rows * k);
                if (t % 5 == 4) { // activations past 2^16: x is scaled by less than 2^112 and the sums make up the rest
                    for (int i = 0; i < a.length; i += 7) a[i] *= 1e6f;
                }
                float[] bias = rnd.nextBoolean() ? MatMulTest.random(rnd, n) : null;
                float[] residual = epilogue == Epilogue.ADD ? MatMulTest.random(rnd, rows * n) : null;
                float[] inPlace = new float[rows * n], got = new float[rows * n], twin = new float[rows * n];
                inPlaceRows.multiply(a, rows, bias, epilogue, residual, inPlace, null);
                w.multiply(a, rows, bias, epilogue, residual, got, null);
                ScalarMatMul.multiply(a, rows, w.rows(0, k), k, n, bias, epilogue, residual, twin); // the scalar twin on W spelled out value by value
                float[] dense = w.rows(0, k);
                for (int i = 0; i < got.length; i++) {
                    // as in MatMulTest: float rounding of a k-term sum, far below any wrong or missing term
                    double tol = 1e-5 * MatMulTest.magnitude(a, dense, bias, k, n, i / n, i % n)
                            + (epilogue == Epilogue.ADD ? 1e-7 * Math.abs(residual[i]) : 0) + 1e-6 * Math.abs(twin[i]);
                    String what = rows + " × " + k + " × " + n + " " + epilogue + ": c[" + i + "] = " + got[i];
                    if (!(Math.abs(got[i] - inPlace[i]) <= tol)) fail(what + ", in place " + inPlace[i]);
                    if (!(Math.abs(got[i] - twin[i]) <= tol)) fail(what + ", twin " + twin[i]);
                }
            }
        }
    }
}
