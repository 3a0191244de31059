package org.attentionsearch.model;

import java.util.Arrays;

import org.attentionsearch.math.AttentionKernel;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.math.Vectors;

/**
 * Multi-head scaled dot-product attention over a ragged batch, one (sequence, head) pair per
 * task: for every query i of the sequence,
 * <pre>
 *   s_ij = q_i · k_j / √d        (−∞ where the mask hides key j)
 *   α_ij = softmax_j(s_ij)
 *   z_i  = Σ_j α_ij v_j
 * </pre>
 * q, k and v are read from the fused projection [rows × 3H] (query, key, value side by side);
 * z is written to the context [rows × H] at the head's columns.
 */
final class SelfAttention {

    private final int heads;
    private final int headSize;
    private final int hidden;
    private final AttentionMask mask;
    private final float scale;

    /** Per-thread scratch: K of one head transposed [d × n], and a block of score rows. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    SelfAttention(BertConfig config, AttentionMask mask) {
        this.heads = config.heads();
        this.headSize = config.headSize();
        this.hidden = config.hiddenSize();
        this.mask = mask;
        this.scale = (float) (1.0 / Math.sqrt(headSize));
    }

    void run(Batch batch, float[] qkv, float[] context, Trace[] traces, int layer) {
        if (traces != null) {
            String p = "layers." + layer + ".attention.";
            Parallel.forEach(batch.size(), b -> { // texts in parallel: their weights are zeroed side by side
                Trace t = traces[b];
                int n = batch.length(b), start = batch.start(b);
                t.put(p + "weights", new int[] {heads, n, n}, new float[heads * n * n]);
                t.putHeads(p + "query", qkv, start, 3 * hidden, 0, heads, headSize);
                t.putHeads(p + "key", qkv, start, 3 * hidden, hidden, heads, headSize);
                t.putHeads(p + "value", qkv, start, 3 * hidden, 2 * hidden, heads, headSize);
                t.putHeads(p + "head_outputs", context, start, hidden, 0, heads, headSize);
            });
        }
        Parallel.forEach(batch.size() * heads, task -> {
            int b = task / heads;
            head(batch.start(b), batch.length(b), task % heads, qkv, context,
                    traces == null ? null : traces[b], layer);
        });
    }

    private void head(int start, int n, int h, float[] qkv, float[] context, Trace trace, int layer) {
        int d = headSize, stride = 3 * hidden;
        int qCol = h * d, kCol = hidden + h * d, vCol = 2 * hidden + h * d;

        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < d * n) scratch[0] = new float[d * n];
        if (scratch[1].length < AttentionKernel.ROWS * n) scratch[1] = new float[AttentionKernel.ROWS * n];
        float[] keysT = scratch[0];
        transposeKeys(qkv, start * stride + kCol, stride, n, keysT);

        float[] weights = trace == null ? null : trace.layer(layer, "attention.weights");

        // Blocks of queries: the rows of α live in the trace, or in scratch when not tracing.
        for (int i0 = 0; i0 < n; i0 += AttentionKernel.ROWS) {
            int rows = Math.min(AttentionKernel.ROWS, n - i0);
            float[] p = weights != null ? weights : scratch[1];
            int pOff = weights != null ? (h * n + i0) * n : 0;
            scoreBlock(qkv, (start + i0) * stride + qCol, stride, i0, rows, keysT, n, p, pOff);
            for (int r = 0; r < rows; r++) {
                int off = pOff + r * n, visible = mask.visibleKeys(i0 + r, n);
                Vectors.softmax(p, off, visible);
                if (visible < n) Arrays.fill(p, off + visible, off + n, 0f);
            }
            AttentionKernel.weightedSum(p, pOff, n, rows, qkv, start * stride + vCol, stride, n, d,
                    context, (start + i0) * hidden + qCol, hidden);
        }
    }

    /** kᵀ [d × n] from n keys of width d, key j at src[off + j·stride]. */
    void transposeKeys(float[] src, int off, int stride, int n, float[] keysT) {
        for (int j = 0; j < n; j++) {
            int from = off + j * stride;
            for (int c = 0; c < headSize; c++) keysT[c * n + j] = src[from + c];
        }
    }

    /**
     * Scores of queries i0 … i0+rows−1 (query r at q[qOff + r·qStride]) against every key:
     * q·k/√d, −∞ where the mask hides the key. The forward pass and the trace's on-demand
     * scores both come through here, so they agree to the bit.
     */
    void scoreBlock(float[] q, int qOff, int qStride, int i0, int rows, float[] keysT, int n, float[] out, int outOff) {
        AttentionKernel.scores(q, qOff, qStride, rows, keysT, 0, n, headSize, scale, out, outOff, n);
        for (int r = 0; r < rows; r++) {
            int visible = mask.visibleKeys(i0 + r, n);
            if (visible < n) Arrays.fill(out, outOff + r * n + visible, outOff + (r + 1) * n, Float.NEGATIVE_INFINITY);
        }
    }

    /** The scores [heads, n, n] of one traced layer, recomputed from its traced queries and keys. */
    float[] scores(float[] queries, float[] keys, int n) {
        float[] out = new float[heads * n * n];
        float[] keysT = new float[headSize * n];
        for (int h = 0; h < heads; h++) {
            transposeKeys(keys, h * n * headSize, headSize, n, keysT);
            for (int i0 = 0; i0 < n; i0 += AttentionKernel.ROWS) {
                int rows = Math.min(AttentionKernel.ROWS, n - i0);
                scoreBlock(queries, (h * n + i0) * headSize, headSize, i0, rows, keysT, n, out, (h * n + i0) * n);
            }
        }
        return out;
    }
}
