package org.attentionsearch.math;

import static org.attentionsearch.math.PackedMatrix.PANEL;

import java.util.concurrent.atomic.AtomicLong;

/**
 * {@link MatMul}'s micro-kernel, {@link AttentionKernel}'s products, {@link VectorMath#gelu}, {@link Vectors#layerNorm} and {@link Vectors#softmax} as plain loops, doing the same float
 * operations in the same order for every lane: each output is the same chain of fused
 * multiply-adds over k, so the results are the same to the bit.
 *
 * <p>What for: a short text's forward pass is over before C2 has compiled the Vector API kernels,
 * and until then every vector operation runs as the API's own Java fallback, which C2 then also
 * compiles (a first {@code explain} of one sentence spent about 1.7 s of CPU in C2, most of it on
 * these). Plain loops are cheap to compile, so small multiplications ({@link MatMul#PLAIN_MACS})
 * and a process's first attention products ({@link #ATTENTION_BUDGET}), LayerNorms and softmaxes
 * ({@link #NORM_BUDGET}) take this way.
 */
final class PlainKernels {
    private PlainKernels() {
    }

    /**
     * tile[i·PANEL + j] = Σ_kk a[(row + i)·k + kk]·b[bOff + kk·PANEL + j] for i < rows, j < PANEL,
     * each sum a chain of fused multiply-adds in order of kk from 0, as the vector kernels'.
     */
    static void kernel(float[] a, int k, int row, int rows, float[] b, int bOff, float[] tile) {
        java.util.Arrays.fill(tile, 0, rows * PANEL, 0f);
        for (int i = 0; i < rows; i++) {
            int ai = (row + i) * k, ti = i * PANEL;
            for (int kk = 0; kk < k; kk++) {
                float x = a[ai + kk];
                int bi = bOff + kk * PANEL;
                for (int j = 0; j < PANEL; j++) tile[ti + j] = Math.fma(b[bi + j], x, tile[ti + j]);
            }
        }
    }

    /**
     * {@link MatMul#writeTile}'s work on a tile of {@code rows} rows: c[row+i][col+j] =
     * epilogue(tile[i][j] + bias[col+j]) for j < width, the additions in its order. (A loop of
     * its own, so that its caller has none: C2 compiled the caller while it was still running, on
     * the profile of the first epilogues it had seen, and again for each one it saw later.)
     */
    static void finish(float[] tile, int rows, float[] c, int n, int row, int col, int width,
                       float[] bias, Epilogue epilogue, float[] residual) {
        for (int i = 0; i < rows; i++) {
            int ti = i * PANEL, ci = (row + i) * n + col;
            if (bias != null) add(bias, col, tile, ti, width);
            if (epilogue == Epilogue.ADD) add(residual, ci, tile, ti, width);
            else if (epilogue == Epilogue.GELU) gelu(tile, ti, width);
            System.arraycopy(tile, ti, c, ci, width);
        }
    }

    /** to[at + j] += from[off + j] for j < width. */
    private static void add(float[] from, int off, float[] to, int at, int width) {
        for (int j = 0; j < width; j++) to[at + j] += from[off + j];
    }

    /**
     * Multiply-adds of attention products ({@link AttentionKernel}) a process runs here before the
     * vector kernels take over: a one-sentence explain of MiniLM needs about a million (6 layers,
     * 12 heads, two n × n × 32 products), a benchmark's warm-up spends the rest at once.
     */
    private static final long ATTENTION_BUDGET = 4_000_000L;
    private static final AtomicLong attentionSpent = new AtomicLong();

    /** Whether an attention product of {@code macs} multiply-adds still goes through {@link #product}. */
    static boolean plainAttention(long macs) {
        return attentionSpent.get() < ATTENTION_BUDGET && attentionSpent.addAndGet(macs) <= ATTENTION_BUDGET;
    }

    /**
     * out[r][j] = scale · Σ_kk x[r][kk]·y[kk][j] for r < rows, j < cols (x row r at xOff + r·xs,
     * y row kk at yOff + kk·yStride, out row r at outOff + r·os): each output the chain of fused
     * multiply-adds over kk from 0 that every {@link AttentionKernel} path forms, then one multiply.
     */
    static void product(float[] x, int xOff, int xs, int rows, float[] y, int yOff, int yStride, int kLen, int cols,
                        float scale, float[] out, int outOff, int os) {
        for (int r = 0; r < rows; r++) {
            int o = outOff + r * os;
            java.util.Arrays.fill(out, o, o + cols, 0f);
            for (int kk = 0; kk < kLen; kk++) {
                float e = x[xOff + r * xs + kk];
                int at = yOff + kk * yStride;
                for (int j = 0; j < cols; j++) out[o + j] = Math.fma(y[at + j], e, out[o + j]);
            }
            for (int j = 0; j < cols; j++) out[o + j] *= scale;
        }
    }

    /**
     * Values a process may normalise through {@link #layerNorm} before {@link Vectors#layerNorm}
     * takes its own way: about 2,600 rows of 384, a few milliseconds of plain loops, against a
     * tenth of a second of CPU for compiling the vector one. A one-sentence explain takes 60,000 of
     * them (and 10,000 of {@link #SOFTMAX_BUDGET}); a benchmark's warm-up is done with them long
     * before it measures.
     */
    private static final long NORM_BUDGET = 1_000_000L;
    private static final AtomicLong normSpent = new AtomicLong();

    /** Whether a LayerNorm of {@code len} values still goes through {@link #layerNorm}. */
    static boolean plainNorm(int len) {
        return normSpent.get() < NORM_BUDGET && normSpent.addAndGet(len) <= NORM_BUDGET;
    }

    /**
     * {@link Vectors#layerNorm}'s operations, one value at a time: the sums kept in
     * {@link PackedMatrix#LANES} lanes as the vector's, and added up in the same order.
     */
    static void layerNorm(float[] x, int xOff, float[] y, int yOff, int len, float[] gamma, float[] beta, float eps) {
        int lanes = PackedMatrix.LANES;
        float[] acc = new float[lanes];
        for (int i = 0; i < len; i += lanes) {
            for (int j = 0; j < lanes; j++) acc[j] += i + j < len ? x[xOff + i + j] : 0f; // a masked lane adds 0
        }
        float mean = Vectors.sumInOrder(acc) / len;
        java.util.Arrays.fill(acc, 0f);
        for (int i = 0; i < len; i++) {
            float d = x[xOff + i] - mean;
            acc[i % lanes] = Math.fma(d, d, acc[i % lanes]);
        }
        float inv = (float) (1.0 / Math.sqrt(Vectors.sumInOrder(acc) / len + eps));
        for (int i = 0; i < len; i++) {
            float v = (x[xOff + i] - mean) * inv;
            y[yOff + i] = Math.fma(v, gamma[i], beta == null ? 0f : beta[i]);
        }
    }

    /** As {@link #NORM_BUDGET}, for the softmax of attention rows. */
    private static final long SOFTMAX_BUDGET = 1_000_000L;
    private static final AtomicLong softmaxSpent = new AtomicLong();

    /** Whether a softmax of {@code len} values still goes through {@link #softmax}. */
    static boolean plainSoftmax(int len) {
        return softmaxSpent.get() < SOFTMAX_BUDGET && softmaxSpent.addAndGet(len) <= SOFTMAX_BUDGET;
    }

    /** {@link Vectors#softmax} one value at a time: max, {@link VectorMath#expShifted}'s e^x and lane sums, scale. */
    static void softmax(float[] x, int off, int len) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) max = Math.max(max, x[off + i]); // a maximum is the same in any order
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(x, off, off + len, 0f);
            return;
        }
        int lanes = PackedMatrix.LANES;
        float[] sums = new float[lanes];
        for (int i = 0; i < len; i += lanes) {
            for (int j = 0; j < lanes; j++) {
                if (i + j < len) {
                    float e = exp(x[off + i + j] - max);
                    x[off + i + j] = e;
                    sums[j] += e;
                } else {
                    sums[j] += 0f; // a masked lane adds 0, as the vector's tail does
                }
            }
        }
        float s = 1f / Vectors.sumInOrder(sums);
        for (int i = off; i < off + len; i++) x[i] *= s;
    }

    /** e^y as {@link VectorMath#expShifted} computes it for one lane. */
    private static float exp(float y) {
        if (y > VectorMath.EXP_MAX) y = VectorMath.EXP_MAX;
        float shifted = Math.fma(y, VectorMath.LOG2E, VectorMath.ROUNDER);
        float m = shifted - VectorMath.ROUNDER;
        float r = Math.fma(m, -VectorMath.LN2_LO, Math.fma(m, -VectorMath.LN2_HI, y));
        float e = Math.fma(r, 0.00139012851f, 0.00836314075f);
        e = Math.fma(e, r, 0.0416668542f);
        e = Math.fma(e, r, 0.166665778f);
        e = Math.fma(e, r, 0.5f);
        e = Math.fma(r * r, e, r) + 1f;
        int mi = Float.floatToRawIntBits(shifted) - VectorMath.ROUNDER_BITS;
        return y < VectorMath.EXP_MIN ? 0f : e * Float.intBitsToFloat((mi + 127) << 23);
    }

    /** In place GELU over x[off, off+len): {@link VectorMath#gelu}'s operations, one value at a time. */
    static void gelu(float[] x, int off, int len) {
        for (int i = off; i < off + len; i++) x[i] = gelu(x[i]);
    }

    private static float gelu(float v) {
        float t = 1f / Math.fma(Math.abs(v), 0.3f, 1f);
        float q = Math.fma(t, -0.0206128284f, 0.112375781f);
        q = Math.fma(q, t, -0.228067532f);
        q = Math.fma(q, t, 0.191581741f);
        q = Math.fma(q, t, -0.0792473853f);
        q = Math.fma(q, t, 0.096057862f);
        q = Math.fma(q, t, 0.0784255639f);
        q = Math.fma(q, t, 0.110227324f);
        q = Math.fma(q, t, 0.119572841f);
        q = Math.fma(q, t, 0.119686633f);
        float e = exp(v * v * -0.5f); // ≤ 0, so exp's upper clamp never acts: gelu's own e^y, to the bit
        float tail = e * t * q;
        float phi = v < 0f ? tail : -tail + 1f;
        return v * phi;
    }
}
