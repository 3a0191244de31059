package org.attentionsearch.math;

import static org.attentionsearch.math.PackedMatrix.LANES;
import static org.attentionsearch.math.PackedMatrix.PANEL;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * c = epilogue(a·W + bias) with W pre-packed ({@link PackedMatrix}) and a, c, residual
 * row-major float arrays (rows = tokens, columns = features).
 *
 * <p>Blocking: rows are taken in blocks sized so that the block of a (rows × k) stays in L2;
 * within a block, each packed panel of W (k × {@link PackedMatrix#PANEL} columns) is streamed
 * once per tile of {@link #MR} rows by the register-blocked micro-kernel {@link #kernel}, which
 * keeps an MR × PANEL tile of c in 24 vector registers, broadcasts one element of a per row and
 * loads one panel row of W per step of k. The last few rows of a range go through a 4-row
 * variant ({@link #kernel4}), so no tile is mostly idle; see {@link #tileRows}.
 * The epilogue is applied when the tile is written out.
 */
public final class MatMul {
    private static final VectorSpecies<Float> S = PackedMatrix.SPECIES;
    /** Rows per micro-tile. */
    static final int MR = 6;
    /**
     * Rows of a that each piece of a prompt's product holds at least (one piece per thread
     * whatever the rows): every piece reads all of W again, and on all-MiniLM-L6-v2 one 128-token
     * text on 2 threads ran 5–30% slower in four pieces per thread than in one (alternating
     * side-by-side runs), while 4,096 rows ran best in two.
     */
    static final int PIECE_ROWS = 1024;
    /** Bytes of a that one row block may occupy (about a quarter of a 1 MB L2). */
    private static final int A_BLOCK_BYTES = 256 * 1024;

    private MatMul() {
    }

    /**
     * c[r, 0..n) = a[r, 0..k)·W + bias, then the epilogue, for rows r in [rowStart, rowEnd);
     * a has k columns, c and residual have n columns. Single-threaded. bias may be null;
     * residual is only read for {@link Epilogue#ADD} and may be c itself (an in-place residual
     * add: each element is read just before it is overwritten). c must not overlap a.
     */
    public static void multiply(float[] a, PackedMatrix w, float[] bias, Epilogue epilogue,
                                float[] residual, float[] c, int rowStart, int rowEnd) {
        check(a, rowEnd, w.k(), w.n(), bias, epilogue, residual, c);
        Objects.checkFromToIndex(rowStart, rowEnd, rowEnd);
        multiplyBlock(a, w, bias, epilogue, residual, c, rowStart, rowEnd, 0, w.panels(), plain(rowEnd - rowStart, w, epilogue));
    }

    /** As above over rows [0, rows), split across {@link Parallel}'s threads. */
    public static void multiply(float[] a, int rows, PackedMatrix w, float[] bias, Epilogue epilogue,
                                float[] residual, float[] c) {
        multiply(a, rows, w, bias, epilogue, residual, c, null);
    }

    /**
     * As above, then {@code thenRows} on finished rows of c (a row-wise step such as LayerNorm).
     * When the rows are split across threads, each thread finishes its own rows while they are
     * still in its cache, without another parallel region.
     */
    public static void multiply(float[] a, int rows, PackedMatrix w, float[] bias, Epilogue epilogue,
                                float[] residual, float[] c, Parallel.RangeBody thenRows) {
        check(a, rows, w.k(), w.n(), bias, epilogue, residual, c);
        int threads = Parallel.threads();
        boolean plain = plain(rows, w, epilogue);
        if (rows >= 4 * MR * threads || w.panels() < threads) {
            // Each piece reads all of W: pieces of at least PIECE_ROWS rows, fewer than Parallel's usual four per thread
            int pieces = (int) Math.max(1, Math.min(Parallel.pieces(), (long) rows / ((long) PIECE_ROWS * threads)));
            Parallel.forRange(rows, 2, pieces, (r0, r1) -> { // near-equal shares; tileRows keeps each share's tail whole
                multiplyBlock(a, w, bias, epilogue, residual, c, r0, r1, 0, w.panels(), plain);
                if (thenRows != null) thenRows.run(r0, r1);
            });
        } else { // few rows: share out the columns instead
            Parallel.forRange(w.panels(), 1, (p0, p1) ->
                    multiplyBlock(a, w, bias, epilogue, residual, c, 0, rows, p0, p1, plain));
            if (thenRows != null) Parallel.forRange(rows, 1, thenRows);
        }
    }

    /**
     * As above with W kept in another form: each panel of W (its columns read through
     * {@link WeightMatrix#column}) dequantized once into the packed layout and multiplied with
     * all rows by the same micro-kernels, so the cost of reading W's form is shared by every
     * row. Threads take runs of panels, so they write disjoint stretches of c.
     */
    static void multiplyByPanels(float[] a, int rows, WeightMatrix w, float[] bias, Epilogue epilogue,
                                 float[] residual, float[] c) {
        int k = w.k(), n = w.n();
        Parallel.forRange((n + PANEL - 1) / PANEL, 1, (p0, p1) -> {
            float[] packed = new float[k * PANEL], column = new float[k], tile = new float[MR * PANEL];
            for (int p = p0; p < p1; p++) {
                int width = Math.min(PANEL, n - p * PANEL);
                for (int jj = 0; jj < width; jj++) {
                    w.column(p * PANEL + jj, column, 0);
                    for (int kk = 0; kk < k; kk++) packed[kk * PANEL + jj] = column[kk];
                }
                if (width < PANEL) {
                    for (int kk = 0; kk < k; kk++) Arrays.fill(packed, kk * PANEL + width, (kk + 1) * PANEL, 0f);
                }
                for (int r = 0, count; r < rows; r += count) {
                    count = tileRows(rows - r);
                    if (count > 4) {
                        kernel(a, k, r, count, packed, 0, tile);
                    } else if (count > 2) {
                        kernel4(a, k, r, count, packed, 0, tile);
                    } else {
                        for (int i = 0; i < count; i++) rowKernel(a, k, r + i, packed, 0, tile, i * PANEL);
                    }
                    writeTile(tile, count, c, n, r, p * PANEL, bias, epilogue, residual);
                }
            }
        });
    }

    /**
     * Multiply-adds (rows·k·n) up to which a multiplication of 2 to 15 rows runs
     * {@link PlainKernels}' loops instead of the Vector API's: the same bits either way, but
     * nothing for C2 to compile at length. Plain loops reached about 4 GFLOP/s on MiniLM's shapes
     * on this machine against 75–140 for the compiled vector kernels, so they pay only while the
     * vector kernels are not yet compiled, which costs about 0.7 s of CPU: a one-sentence
     * {@code explain} (12 tokens, 255 MFLOP) spends about 0.06 s in them instead. A sentence of 12
     * tokens through MiniLM's largest layer (384 × 1536) is 7.1 million; from 16 tokens on, and
     * for one row (a decoder's step, bound by reading W), the vector kernels run at any size.
     */
    static final long PLAIN_MACS = 7_100_000L;
    /**
     * Multiply-adds a process may spend in the plain loops in all, about a second of them:
     * after that many short texts (a server's, a file's) the vector kernels are worth compiling.
     */
    private static final long PLAIN_BUDGET = 2_000_000_000L;
    private static final AtomicLong plainSpent = new AtomicLong();

    /** Whether this multiplication goes to the plain loops (see {@link #PLAIN_MACS}). */
    static boolean plain(int rows, PackedMatrix w, Epilogue epilogue) {
        long macs = (long) rows * w.k() * w.n();
        if (rows < 2 || rows >= 16 || macs > PLAIN_MACS || epilogue == Epilogue.GELU_TANH) return false;
        return plainSpent.get() < PLAIN_BUDGET && plainSpent.addAndGet(macs) <= PLAIN_BUDGET;
    }

    /** Checks the arguments of a multiplication by a [k × n] matrix. */
    static void check(float[] a, int rows, int k, int n, float[] bias, Epilogue epilogue,
                      float[] residual, float[] c) {
        Objects.requireNonNull(epilogue, "epilogue");
        if (rows < 0) {
            throw new IllegalArgumentException("rows < 0: " + rows);
        }
        checkLength("a", a, (long) rows * k);
        checkLength("c", c, (long) rows * n);
        if (bias != null) {
            checkLength("bias", bias, n);
        }
        if (epilogue == Epilogue.ADD) {
            Objects.requireNonNull(residual, "residual is required for Epilogue.ADD");
            checkLength("residual", residual, (long) rows * n);
        }
    }

    private static void checkLength(String name, float[] x, long needed) {
        if (x.length < needed) {
            throw new IllegalArgumentException(name + " has " + x.length + " elements, needs " + needed);
        }
    }

    /** Rows [r0, r1) × panels [p0, p1), single-threaded. */
    static void multiplyBlock(float[] a, PackedMatrix w, float[] bias, Epilogue epilogue,
                              float[] residual, float[] c, int r0, int r1, int p0, int p1) {
        multiplyBlock(a, w, bias, epilogue, residual, c, r0, r1, p0, p1, false);
    }

    /** As above, through {@link PlainKernels} when {@code plain}. */
    static void multiplyBlock(float[] a, PackedMatrix w, float[] bias, Epilogue epilogue,
                              float[] residual, float[] c, int r0, int r1, int p0, int p1, boolean plain) {
        if (plain) {
            multiplyPlain(a, w, bias, epilogue, residual, c, r0, r1, p0, p1);
            return;
        }
        int k = w.k();
        if (r1 - r0 <= 2) { // a decoding step: bound by reading W, two panels' streams at a time
            multiplyRows(a, w, bias, epilogue, residual, c, r0, r1, p0, p1);
            return;
        }
        int blockRows = Math.max(MR, Math.min(32 * MR, A_BLOCK_BYTES / (4 * k)) / MR * MR);
        float[] tile = new float[MR * PANEL];
        for (int rb = r0; rb < r1; rb += blockRows) {
            int rbEnd = Math.min(rb + blockRows, r1);
            for (int p = p0; p < p1; p++) {
                for (int r = rb, rows; r < rbEnd; r += rows) {
                    rows = tileRows(rbEnd - r);
                    if (rows > 4) {
                        kernel(a, k, r, rows, w.data(), p * k * PANEL, tile);
                    } else if (rows > 2) {
                        kernel4(a, k, r, rows, w.data(), p * k * PANEL, tile);
                    } else { // the last one or two rows of a block
                        for (int i = 0; i < rows; i++) {
                            rowKernel(a, k, r + i, w.data(), p * k * PANEL, tile, i * PANEL);
                        }
                    }
                    writeTile(tile, rows, c, w.n(), r, p * PANEL, bias, epilogue, residual);
                }
            }
        }
    }

    /**
     * One or two rows × panels [p0, p1): each row against two panels at once
     * ({@link #rowKernel2}), then the last panel alone if their number is odd.
     */
    private static void multiplyRows(float[] a, PackedMatrix w, float[] bias, Epilogue epilogue,
                                     float[] residual, float[] c, int r0, int r1, int p0, int p1) {
        int k = w.k(), n = w.n(), rows = r1 - r0, span = k * PANEL;
        float[] tile = new float[2 * PANEL], next = new float[2 * PANEL];
        int p = p0;
        for (; p + 1 < p1; p += 2) {
            for (int i = 0; i < rows; i++) rowKernel2(a, k, r0 + i, w.data(), p * span, tile, next, i * PANEL);
            writeTile(tile, rows, c, n, r0, p * PANEL, bias, epilogue, residual);
            writeTile(next, rows, c, n, r0, (p + 1) * PANEL, bias, epilogue, residual);
        }
        if (p < p1) {
            for (int i = 0; i < rows; i++) rowKernel(a, k, r0 + i, w.data(), p * span, tile, i * PANEL);
            writeTile(tile, rows, c, n, r0, p * PANEL, bias, epilogue, residual);
        }
    }

    /** Rows [r0, r1) × panels [p0, p1) through {@link PlainKernels}, a tile of up to MR rows at a time. */
    private static void multiplyPlain(float[] a, PackedMatrix w, float[] bias, Epilogue epilogue,
                                      float[] residual, float[] c, int r0, int r1, int p0, int p1) {
        int k = w.k(), n = w.n();
        float[] tile = new float[MR * PANEL];
        for (int p = p0; p < p1; p++) {
            int col = p * PANEL, width = Math.min(PANEL, n - col);
            for (int r = r0, rows; r < r1; r += rows) {
                rows = Math.min(MR, r1 - r);
                PlainKernels.kernel(a, k, r, rows, w.data(), p * k * PANEL, tile);
                PlainKernels.finish(tile, rows, c, n, r, col, width, bias, epilogue, residual);
            }
        }
    }

    /**
     * The micro-kernel: tile[i][j] = Σ_kk a[row_i][kk]·W[kk][panel column j] for the MR rows
     * row_i = min(row + i, row + rows − 1) (rows past the end repeat the last one, so the tile
     * is always full) and the PANEL columns of the panel starting at b[bOff].
     */
    static void kernel(float[] a, int k, int row, int rows, float[] b, int bOff, float[] tile) {
        int last = row + rows - 1;
        int a0 = row * k, a1 = Math.min(row + 1, last) * k, a2 = Math.min(row + 2, last) * k;
        int a3 = Math.min(row + 3, last) * k, a4 = Math.min(row + 4, last) * k, a5 = last * k;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00, c40 = c00, c41 = c00, c42 = c00, c43 = c00;
        FloatVector c50 = c00, c51 = c00, c52 = c00, c53 = c00;
        for (int kk = 0; kk < k; kk++) {
            int bi = bOff + kk * PANEL;
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + LANES);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * LANES), b3 = FloatVector.fromArray(S, b, bi + 3 * LANES);
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]);
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(S, a[a2 + kk]);
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(S, a[a3 + kk]);
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
            x = FloatVector.broadcast(S, a[a4 + kk]);
            c40 = b0.fma(x, c40); c41 = b1.fma(x, c41); c42 = b2.fma(x, c42); c43 = b3.fma(x, c43);
            x = FloatVector.broadcast(S, a[a5 + kk]);
            c50 = b0.fma(x, c50); c51 = b1.fma(x, c51); c52 = b2.fma(x, c52); c53 = b3.fma(x, c53);
        }
        int L = LANES;
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, 4 * L); c11.intoArray(tile, 5 * L); c12.intoArray(tile, 6 * L); c13.intoArray(tile, 7 * L);
        c20.intoArray(tile, 8 * L); c21.intoArray(tile, 9 * L); c22.intoArray(tile, 10 * L); c23.intoArray(tile, 11 * L);
        c30.intoArray(tile, 12 * L); c31.intoArray(tile, 13 * L); c32.intoArray(tile, 14 * L); c33.intoArray(tile, 15 * L);
        c40.intoArray(tile, 16 * L); c41.intoArray(tile, 17 * L); c42.intoArray(tile, 18 * L); c43.intoArray(tile, 19 * L);
        c50.intoArray(tile, 20 * L); c51.intoArray(tile, 21 * L); c52.intoArray(tile, 22 * L); c53.intoArray(tile, 23 * L);
    }

    /**
     * Rows of the next tile when {@code left} rows remain: full tiles of {@link #MR}, except that
     * the last 7 or 8 rows go as two tiles of 4 (and 3 or 4 as one), so no tile is left with one
     * or two rows, where loading W would dominate; a partial tile wastes at most one row.
     */
    static int tileRows(int left) {
        if (left >= 9 || left == 5 || left == 6) return Math.min(MR, left);
        return left > 4 ? 4 : left;
    }

    /** The micro-kernel for 3 or 4 rows: as {@link #kernel} with a 4 × PANEL tile (16 registers). */
    static void kernel4(float[] a, int k, int row, int rows, float[] b, int bOff, float[] tile) {
        int last = row + rows - 1;
        int a0 = row * k, a1 = (row + 1) * k, a2 = (row + 2) * k, a3 = last * k;
        FloatVector c00 = FloatVector.zero(S), c01 = c00, c02 = c00, c03 = c00;
        FloatVector c10 = c00, c11 = c00, c12 = c00, c13 = c00, c20 = c00, c21 = c00, c22 = c00, c23 = c00;
        FloatVector c30 = c00, c31 = c00, c32 = c00, c33 = c00;
        for (int kk = 0; kk < k; kk++) {
            int bi = bOff + kk * PANEL;
            FloatVector b0 = FloatVector.fromArray(S, b, bi), b1 = FloatVector.fromArray(S, b, bi + LANES);
            FloatVector b2 = FloatVector.fromArray(S, b, bi + 2 * LANES), b3 = FloatVector.fromArray(S, b, bi + 3 * LANES);
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]);
            c00 = b0.fma(x, c00); c01 = b1.fma(x, c01); c02 = b2.fma(x, c02); c03 = b3.fma(x, c03);
            x = FloatVector.broadcast(S, a[a1 + kk]);
            c10 = b0.fma(x, c10); c11 = b1.fma(x, c11); c12 = b2.fma(x, c12); c13 = b3.fma(x, c13);
            x = FloatVector.broadcast(S, a[a2 + kk]);
            c20 = b0.fma(x, c20); c21 = b1.fma(x, c21); c22 = b2.fma(x, c22); c23 = b3.fma(x, c23);
            x = FloatVector.broadcast(S, a[a3 + kk]);
            c30 = b0.fma(x, c30); c31 = b1.fma(x, c31); c32 = b2.fma(x, c32); c33 = b3.fma(x, c33);
        }
        int L = LANES;
        c00.intoArray(tile, 0); c01.intoArray(tile, L); c02.intoArray(tile, 2 * L); c03.intoArray(tile, 3 * L);
        c10.intoArray(tile, 4 * L); c11.intoArray(tile, 5 * L); c12.intoArray(tile, 6 * L); c13.intoArray(tile, 7 * L);
        c20.intoArray(tile, 8 * L); c21.intoArray(tile, 9 * L); c22.intoArray(tile, 10 * L); c23.intoArray(tile, 11 * L);
        c30.intoArray(tile, 12 * L); c31.intoArray(tile, 13 * L); c32.intoArray(tile, 14 * L); c33.intoArray(tile, 15 * L);
    }

    /**
     * One row of the tile: tile[tOff + j] = Σ_kk a[row][kk]·W[kk][panel column j]. Four
     * accumulators; for one or two rows, where it is bound by loading W.
     */
    static void rowKernel(float[] a, int k, int row, float[] b, int bOff, float[] tile, int tOff) {
        int a0 = row * k;
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0;
        for (int kk = 0; kk < k; kk++) {
            int bi = bOff + kk * PANEL;
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]);
            c0 = FloatVector.fromArray(S, b, bi).fma(x, c0);
            c1 = FloatVector.fromArray(S, b, bi + LANES).fma(x, c1);
            c2 = FloatVector.fromArray(S, b, bi + 2 * LANES).fma(x, c2);
            c3 = FloatVector.fromArray(S, b, bi + 3 * LANES).fma(x, c3);
        }
        c0.intoArray(tile, tOff);
        c1.intoArray(tile, tOff + LANES);
        c2.intoArray(tile, tOff + 2 * LANES);
        c3.intoArray(tile, tOff + 3 * LANES);
    }

    /**
     * As {@link #rowKernel} for the two adjacent panels starting at b[bOff], into tile and next at
     * tOff: the same sums in the same order (the same bits), but with two streams of W in flight
     * at once. On one core, Qwen2.5-0.5B's F32 layers ran at 33–35 GB/s against 30–32 for one panel
     * at a time (alternating JVMs); pairing panels further apart, as F16's rows are, did no better.
     */
    static void rowKernel2(float[] a, int k, int row, float[] b, int bOff, float[] tile, float[] next, int tOff) {
        int a0 = row * k, span = k * PANEL;
        FloatVector c0 = FloatVector.zero(S), c1 = c0, c2 = c0, c3 = c0, d0 = c0, d1 = c0, d2 = c0, d3 = c0;
        for (int kk = 0; kk < k; kk++) {
            int bi = bOff + kk * PANEL, bj = bi + span;
            FloatVector x = FloatVector.broadcast(S, a[a0 + kk]);
            c0 = FloatVector.fromArray(S, b, bi).fma(x, c0);
            c1 = FloatVector.fromArray(S, b, bi + LANES).fma(x, c1);
            c2 = FloatVector.fromArray(S, b, bi + 2 * LANES).fma(x, c2);
            c3 = FloatVector.fromArray(S, b, bi + 3 * LANES).fma(x, c3);
            d0 = FloatVector.fromArray(S, b, bj).fma(x, d0);
            d1 = FloatVector.fromArray(S, b, bj + LANES).fma(x, d1);
            d2 = FloatVector.fromArray(S, b, bj + 2 * LANES).fma(x, d2);
            d3 = FloatVector.fromArray(S, b, bj + 3 * LANES).fma(x, d3);
        }
        c0.intoArray(tile, tOff); c1.intoArray(tile, tOff + LANES); c2.intoArray(tile, tOff + 2 * LANES); c3.intoArray(tile, tOff + 3 * LANES);
        d0.intoArray(next, tOff); d1.intoArray(next, tOff + LANES); d2.intoArray(next, tOff + 2 * LANES); d3.intoArray(next, tOff + 3 * LANES);
    }

    /** c[row+i][col+j] = epilogue(tile[i][j] + bias[col+j]) for the valid rows and columns (< n). */
    static void writeTile(float[] tile, int rows, float[] c, int n, int row, int col,
                                  float[] bias, Epilogue epilogue, float[] residual) {
        // Each term is added to the whole tile in a pass of its own, then the tile is copied out
        // (the residual may be c itself, so it is read first). Loops free of branches matter: C2
        // hoists a loop's range checks before it on the strength of its profile, and an access
        // under an if that the first calls always took (a bias, a residual) fails the hoisted
        // check once the other case comes, costing a recompilation each time in a short run.
        // Columns past the matrix's edge hold 0 (W is padded with zeros) and are not copied.
        int width = Math.min(PANEL, n - col);
        if (bias != null) addRowToEach(bias, col, tile, rows, PANEL, 0, width);
        if (epilogue == Epilogue.ADD) {
            for (int i = 0; i < rows; i++) addRowToEach(residual, (row + i) * n + col, tile, 1, PANEL, i * PANEL, width);
        } else if (epilogue == Epilogue.GELU) {
            VectorMath.gelu(tile, 0, rows * PANEL);
        } else if (epilogue == Epilogue.GELU_TANH) {
            VectorMath.geluTanh(tile, 0, rows * PANEL);
        }
        for (int i = 0; i < rows; i++) System.arraycopy(tile, i * PANEL, c, (row + i) * n + col, width);
    }

    /** c[at + i·n + j] += r[from + j] for i < rows, j < width: whole vectors, then the tail one by one. */
    private static void addRowToEach(float[] r, int from, float[] c, int rows, int n, int at, int width) {
        int whole = width - width % LANES;
        for (int i = 0; i < rows; i++) {
            int ci = at + i * n;
            for (int j = 0; j < whole; j += LANES) {
                FloatVector.fromArray(S, c, ci + j).add(FloatVector.fromArray(S, r, from + j)).intoArray(c, ci + j);
            }
            for (int j = whole; j < width; j++) c[ci + j] += r[from + j];
        }
    }
}
