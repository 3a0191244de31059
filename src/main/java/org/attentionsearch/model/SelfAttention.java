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

    /** Per-thread scratch: K of one head transposed [d × n], and a block of score rows. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    SelfAttention(BertConfig config, AttentionMask mask) {
        this.heads = config.heads();
        this.headSize = config.headSize();
        this.hidden = config.hiddenSize();
        this.mask = mask;
    }

    void run(Batch batch, float[] qkv, float[] context, Trace[] traces, int layer) {
        if (traces != null) {
            for (int b = 0; b < batch.size(); b++) allocateTrace(traces[b], layer, batch.length(b));
        }
        Parallel.forEach(batch.size() * heads, task -> {
            int b = task / heads;
            head(batch.start(b), batch.length(b), task % heads, qkv, context,
                    traces == null ? null : traces[b], layer);
        });
    }

    private void allocateTrace(Trace t, int layer, int n) {
        String p = "layers." + layer + ".attention.";
        t.put(p + "query", new int[] {heads, n, headSize}, new float[heads * n * headSize]);
        t.put(p + "key", new int[] {heads, n, headSize}, new float[heads * n * headSize]);
        t.put(p + "value", new int[] {heads, n, headSize}, new float[heads * n * headSize]);
        t.put(p + "scores", new int[] {heads, n, n}, new float[heads * n * n]);
        t.put(p + "weights", new int[] {heads, n, n}, new float[heads * n * n]);
        t.put(p + "head_outputs", new int[] {heads, n, headSize}, new float[heads * n * headSize]);
    }

    private void head(int start, int n, int h, float[] qkv, float[] context, Trace trace, int layer) {
        int d = headSize, stride = 3 * hidden;
        int qCol = h * d, kCol = hidden + h * d, vCol = 2 * hidden + h * d;
        float scale = (float) (1.0 / Math.sqrt(d));

        float[][] scratch = SCRATCH.get();
        if (scratch[0].length < d * n) scratch[0] = new float[d * n];
        if (scratch[1].length < AttentionKernel.ROWS * n) scratch[1] = new float[AttentionKernel.ROWS * n];
        float[] keysT = scratch[0];
        // Keys transposed, so each score row is d vectorised passes over contiguous memory.
        for (int j = 0; j < n; j++) {
            int src = (start + j) * stride + kCol;
            for (int c = 0; c < d; c++) keysT[c * n + j] = qkv[src + c];
        }

        float[] scores = null, weights = null;
        if (trace != null) {
            String p = "layers." + layer + ".attention.";
            scores = trace.layer(layer, "attention.scores");
            weights = trace.layer(layer, "attention.weights");
            copyHead(qkv, start, n, stride, qCol, trace.get(p + "query").data(), h);
            copyHead(qkv, start, n, stride, kCol, trace.get(p + "key").data(), h);
            copyHead(qkv, start, n, stride, vCol, trace.get(p + "value").data(), h);
        }

        // Blocks of queries: the rows of α live in the trace, or in scratch when not tracing.
        for (int i0 = 0; i0 < n; i0 += AttentionKernel.ROWS) {
            int rows = Math.min(AttentionKernel.ROWS, n - i0);
            float[] p = weights != null ? weights : scratch[1];
            int pOff = weights != null ? (h * n + i0) * n : 0;
            AttentionKernel.scores(qkv, (start + i0) * stride + qCol, stride, rows, keysT, 0, n, d, scale, p, pOff, n);
            for (int r = 0; r < rows; r++) {
                int off = pOff + r * n, visible = mask.visibleKeys(i0 + r, n);
                if (visible < n) Arrays.fill(p, off + visible, off + n, Float.NEGATIVE_INFINITY);
                if (scores != null) System.arraycopy(p, off, scores, off, n);
                Vectors.softmax(p, off, visible);
                if (visible < n) Arrays.fill(p, off + visible, off + n, 0f);
            }
            AttentionKernel.weightedSum(p, pOff, n, rows, qkv, start * stride + vCol, stride, n, d,
                    context, (start + i0) * hidden + qCol, hidden);
        }
        if (trace != null) {
            float[] out = trace.layer(layer, "attention.head_outputs");
            for (int i = 0; i < n; i++) {
                System.arraycopy(context, (start + i) * hidden + qCol, out, (h * n + i) * d, d);
            }
        }
    }

    /** Copies head h's columns of a fused projection into a [heads, n, d] trace tensor. */
    private void copyHead(float[] qkv, int start, int n, int stride, int col, float[] dst, int h) {
        for (int i = 0; i < n; i++) {
            System.arraycopy(qkv, (start + i) * stride + col, dst, (h * n + i) * headSize, headSize);
        }
    }
}
