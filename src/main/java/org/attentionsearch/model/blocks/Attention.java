package org.attentionsearch.model.blocks;

import java.util.Arrays;

import org.attentionsearch.math.AttentionKernel;
import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.HalfAttentionKernel;
import org.attentionsearch.math.WeightMatrix;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.math.Vectors;
import org.attentionsearch.model.AttentionMask;
import org.attentionsearch.model.Batch;
import org.attentionsearch.model.KeyValueCache;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Pass;
import org.attentionsearch.model.Trace;

/**
 * Multi-head scaled dot-product attention (Vaswani et al. 2017) with grouped key/value heads
 * (Ainslie et al. 2023), over a ragged batch. For every query i of a sequence and head h,
 * reading key/value head g = h / (heads / kvHeads):
 * <pre>
 *   q, k, v = x·W_QKV + b_QKV                  (one fused product; then per-head q/k norms and rotary positions)
 *   s_ij    = q_i·k_j / √d                      (−∞ where the mask hides key j)
 *   α_ij    = softmax_j(s_ij)
 *   z_i     = Σ_j α_ij v_j
 *   out     = residual + [z^1 … z^heads]·W_O + b_O
 * </pre>
 * The fused projection's columns are every query head, then every key head, then every value head.
 * One (sequence, head) pair is one task for the worker threads.
 */
public final class Attention {

    private final int heads, kvHeads, headSize, hidden, stride;
    private final AttentionMask mask;
    private final float scale;
    private final Linear queryKeyValue;
    private final Linear output;
    private final Norm queryNorm, keyNorm;
    private final Rotary rotary;

    /** Per-thread scratch: the keys of one head transposed [d × n], and a block of score rows. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

    /**
     * @param queryNorm    per-head RMSNorm of q before rotary positions (Qwen3), or null; likewise keyNorm
     * @param rotary       rotary positions, or null when positions were added to the embeddings
     */
    public Attention(ModelConfig c, Linear queryKeyValue, Linear output, Norm queryNorm, Norm keyNorm, Rotary rotary) {
        this.heads = c.heads();
        this.kvHeads = c.kvHeads();
        this.headSize = c.headSize();
        this.hidden = c.hiddenSize();
        this.stride = c.queryWidth() + 2 * c.keyValueWidth();
        this.mask = AttentionMask.of(c);
        this.scale = (float) (1.0 / Math.sqrt(headSize));
        if (queryKeyValue.in() != hidden || queryKeyValue.out() != stride) {
            throw new IllegalArgumentException("the fused q/k/v projection is " + queryKeyValue.in() + " → " + queryKeyValue.out()
                    + ", the configuration needs " + hidden + " → " + stride);
        }
        if (output.in() != c.queryWidth() || output.out() != hidden) {
            throw new IllegalArgumentException("the output projection does not match the configuration");
        }
        this.queryKeyValue = queryKeyValue;
        this.output = output;
        this.queryNorm = queryNorm;
        this.keyNorm = keyNorm;
        this.rotary = rotary;
    }

    public AttentionMask mask() {
        return mask;
    }

    public Linear queryKeyValue() {
        return queryKeyValue;
    }

    /** W_O [in = heads·d][out = hidden]: rows h·d … h·d+d−1 are head h's share, which the search views take apart. */
    public WeightMatrix outputWeight() {
        return output.weight();
    }

    /** b_O, or null. */
    public float[] outputBias() {
        return output.bias();
    }

    /**
     * out = residual + Attention(input), then {@code postNorm} on out in place (null for none;
     * BERT normalises after the residual add). Records query, key, value (after norms and rotary
     * positions), weights (unless a trace is {@link Trace#keepsWeights() without them}) and head
     * outputs in the pass's traces. Returns out.
     */
    public float[] forward(Pass p, float[] input, float[] residual, float[] out, Norm postNorm) {
        Batch batch = p.batch();
        int rows = batch.rows(), qWidth = heads * headSize, kvWidth = kvHeads * headSize;
        float[] qkv = p.kept("qkv", stride);
        queryKeyValue.apply(input, rows, qkv, Epilogue.NONE, null, positionRows(batch, qkv));
        float[] context = p.kept("context", qWidth);
        // Keys and values come from this pass's own rows, or from the cache the new rows join.
        KeyValueCache cache = p.cache();
        int past = p.past(), layer = p.layer();
        if (cache != null) cache.append(layer, qkv, rows, stride, qWidth);
        Trace[] traces = null;
        if (p.traced()) {
            traces = new Trace[batch.size()];
            for (int b = 0; b < traces.length; b++) traces[b] = p.trace(b);
            p.recordHeads("attention.query", qkv, stride, 0, heads, headSize);
            p.recordHeads("attention.key", qkv, stride, qWidth, kvHeads, headSize);
            p.recordHeads("attention.value", qkv, stride, qWidth + kvWidth, kvHeads, headSize);
            p.recordHeads("attention.head_outputs", context, qWidth, 0, heads, headSize);
            String name = "layers." + layer + ".";
            Trace[] t = traces;
            Parallel.forEach(batch.size(), b -> { // the texts' weights are zeroed side by side
                int n = batch.length(b), keys = past + n;
                int[] shape = {heads, n, keys};
                if (t[b].keepsWeights()) t[b].put(name + "attention.weights", shape, new float[Math.multiplyExact(heads * n, keys)]);
                // A continuing pass has no keys of its own to recompute the scores from later.
                if (cache != null) t[b].put(name + "attention.scores", shape, new float[Math.multiplyExact(heads * n, keys)]);
            });
        }
        Trace[] t = traces;
        if (cache != null && rows == 1) { // one new token: each group's query heads read the cache together
            Parallel.forEach(kvHeads, g -> {
                float[] weights = t == null || !t[0].keepsWeights() ? null : t[0].layer(layer, "attention.weights");
                float[] scores = t == null ? null : t[0].layer(layer, "attention.scores");
                step(qkv, past, cache, layer, g, context, weights, scores);
            });
        } else {
            // A cache of halves is widened once for the pass, then read as a float cache is.
            boolean halves = cache != null && cache.precision() == KeyValueCache.Precision.F16;
            int n = past + rows;
            float[] keysT = cache == null ? null : halves ? cache.widenKeys(layer, n) : cache.keys(layer);
            float[] values = cache == null ? null : halves ? cache.widenValues(layer, n) : cache.values(layer);
            int kTStride = halves ? n : cache == null ? 0 : cache.capacity();
            Parallel.forEach(batch.size() * heads, task -> {
                int b = task / heads, start = batch.start(b);
                float[] weights = t == null || !t[b].keepsWeights() ? null : t[b].layer(layer, "attention.weights");
                float[] scores = t == null || cache == null ? null : t[b].layer(layer, "attention.scores");
                int h = task % heads, g = h / (heads / kvHeads);
                if (cache == null) {
                    head(qkv, start, batch.length(b), 0, null, 0, 0, qkv, start * stride + qWidth + kvWidth + g * headSize, stride,
                            h, context, weights, null);
                } else {
                    head(qkv, 0, rows, past, keysT, g * headSize * kTStride, kTStride, values, g * headSize, cache.valueStride(),
                            h, context, weights, scores);
                }
            });
        }
        output.apply(context, rows, out, Epilogue.ADD, residual, postNorm == null ? null : postNorm.inPlace(out));
        return out;
    }

    /** After the fused product, on each finished row: q/k norms, then rotary positions. */
    private Parallel.RangeBody positionRows(Batch batch, float[] qkv) {
        if (queryNorm == null && rotary == null) return null;
        float[][] tables = rotary == null ? null : rotary.tables(batch.endPosition());
        int kCol = heads * headSize;
        return (from, to) -> {
            for (int r = from; r < to; r++) {
                int o = r * stride;
                if (queryNorm != null) {
                    for (int h = 0; h < heads; h++) queryNorm.apply(qkv, o + h * headSize, qkv, o + h * headSize);
                    for (int g = 0; g < kvHeads; g++) keyNorm.apply(qkv, o + kCol + g * headSize, qkv, o + kCol + g * headSize);
                }
                if (rotary != null) {
                    rotary.rotate(qkv, o, heads, headSize, batch.position(r), tables);
                    rotary.rotate(qkv, o + kCol, kvHeads, headSize, batch.position(r), tables);
                }
            }
        };
    }

    /**
     * Head h for the queries at rows [first, first+rows) of qkv, which follow {@code past} earlier
     * tokens; keys and values are those of positions 0 … past+rows−1. The keys come transposed
     * ([d × keys], row c at keysT[kTOff + c·kTStride]) from a cache, or when keysT is null from qkv's
     * own rows, transposed here; value j is at v[vOff + j·vStride]. α goes into {@code weights}
     * ([heads, rows, keys], or null), the scores before the softmax into {@code scores} (or null),
     * and z into context.
     */
    private void head(float[] qkv, int first, int rows, int past, float[] keysT, int kTOff, int kTStride,
                      float[] v, int vOff, int vStride, int h, float[] context, float[] weights, float[] scores) {
        int d = headSize, g = h / (heads / kvHeads), n = past + rows;
        int qCol = h * d, zStride = heads * d;

        float[][] scratch = SCRATCH.get();
        if (scratch[1].length < AttentionKernel.ROWS * n) scratch[1] = new float[AttentionKernel.ROWS * n];
        if (keysT == null) {
            if (scratch[0].length < d * n) scratch[0] = new float[d * n];
            keysT = scratch[0];
            kTOff = 0;
            kTStride = n;
            transposeKeys(qkv, first * stride + heads * d + g * d, stride, n, keysT);
        }

        // Blocks of queries: the rows of α live in the trace, or in scratch when not tracing.
        for (int i0 = 0; i0 < rows; i0 += AttentionKernel.ROWS) {
            int block = Math.min(AttentionKernel.ROWS, rows - i0), position = past + i0;
            int keys = mask.endVisible(position + block - 1, n); // no query of the block sees a key past this
            float[] p = weights != null ? weights : scratch[1];
            int pOff = weights != null ? (h * rows + i0) * n : 0;
            scoreBlock(qkv, (first + i0) * stride + qCol, stride, position, block, keysT, kTOff, kTStride, n, keys, p, pOff);
            if (scores != null) {
                for (int r = 0; r < block; r++) {
                    int row = pOff + r * n;
                    System.arraycopy(p, row, scores, row, keys);
                    Arrays.fill(scores, row + keys, row + n, Float.NEGATIVE_INFINITY);
                }
            }
            for (int r = 0; r < block; r++) Vectors.softmax(p, pOff + r * n, keys); // −∞ becomes exactly 0
            AttentionKernel.weightedSum(p, pOff, n, block, v, vOff, vStride, keys, d,
                    context, (first + i0) * zStride + qCol, zStride);
        }
    }

    /**
     * One new token at position {@code past}, for key/value head g: the query heads of its group
     * are the rows of one block, so the cached keys and values are read once for the group
     * rather than once for each of its heads (a step at a long context is mostly that reading).
     * Each head's scores, weights and z are those {@link #head} gives it, to the bit: the kernels
     * sum every output in the same order however their rows are blocked. From a half-precision
     * cache, the half kernels give what {@link #head} gives on the widened keys and values.
     */
    private void step(float[] qkv, int past, KeyValueCache cache, int layer, int g, float[] context, float[] weights, float[] scores) {
        int d = headSize, group = heads / kvHeads, h0 = g * group, n = past + 1;
        boolean halves = cache.precision() == KeyValueCache.Precision.F16;
        int kTOff = g * d * cache.capacity(), kTStride = cache.capacity(), vOff = g * d, vStride = cache.valueStride();
        float[][] scratch = SCRATCH.get();
        if (scratch[1].length < group * n) scratch[1] = new float[group * n];
        float[] p = weights != null ? weights : scratch[1];
        int pOff = weights != null ? h0 * n : 0; // weights [heads, 1, n]: the group's rows follow each other
        int first = mask.firstVisible(past), keys = mask.endVisible(past, n);
        if (halves) HalfAttentionKernel.scores(qkv, h0 * d, d, group, cache.halfKeys(layer), kTOff, kTStride, keys, d, scale, p, pOff, n);
        else AttentionKernel.scores(qkv, h0 * d, d, group, cache.keys(layer), kTOff, kTStride, keys, d, scale, p, pOff, n);
        for (int r = 0; r < group; r++) {
            int row = pOff + r * n;
            Arrays.fill(p, row, row + first, Float.NEGATIVE_INFINITY);
            if (scores != null) {
                System.arraycopy(p, row, scores, row, keys);
                Arrays.fill(scores, row + keys, row + n, Float.NEGATIVE_INFINITY);
            }
            Vectors.softmax(p, row, keys); // −∞ becomes exactly 0
        }
        if (halves) HalfAttentionKernel.weightedSum(p, pOff, n, group, cache.halfValues(layer), vOff, vStride, keys, d, context, h0 * d, d);
        else AttentionKernel.weightedSum(p, pOff, n, group, cache.values(layer), vOff, vStride, keys, d, context, h0 * d, d);
    }

    /** kᵀ [d × n] from n keys of width d, key j at src[off + j·stride]. */
    private void transposeKeys(float[] src, int off, int stride, int n, float[] keysT) {
        for (int j = 0; j < n; j++) {
            int from = off + j * stride;
            for (int c = 0; c < headSize; c++) keysT[c * n + j] = src[from + c];
        }
    }

    /**
     * Scores of queries i0 … i0+rows−1 (query r at q[qOff + r·qStride]) against keys 0 … keys−1
     * (row r at out[outOff + r·n]): q·k/√d, −∞ where the mask hides the key. The forward pass and
     * the trace's on-demand scores both come through here, so they agree to the bit.
     */
    private void scoreBlock(float[] q, int qOff, int qStride, int i0, int rows, float[] keysT, int kTOff, int kTStride,
                            int n, int keys, float[] out, int outOff) {
        AttentionKernel.scores(q, qOff, qStride, rows, keysT, kTOff, kTStride, keys, headSize, scale, out, outOff, n);
        for (int r = 0; r < rows; r++) {
            int row = outOff + r * n;
            Arrays.fill(out, row, row + mask.firstVisible(i0 + r), Float.NEGATIVE_INFINITY);
            Arrays.fill(out, row + mask.endVisible(i0 + r, n), row + keys, Float.NEGATIVE_INFINITY);
        }
    }

    /**
     * Scores of queries i0 … i0+rows−1 of head h against keys j0 … j0+keys−1, recomputed from a
     * traced layer (queries [heads, n, d], the key head's keys transposed by {@link #transposedKeys}):
     * query r's row at out[outOff + r·outStride], −∞ where the mask hides a key. Equal to the
     * bit to the forward pass's scores, however the keys are split into blocks.
     */
    public void scores(float[] queries, int h, int i0, int rows, float[] keysT, int n, int j0, int keys,
                       float[] out, int outOff, int outStride) {
        AttentionKernel.scores(queries, (h * n + i0) * headSize, headSize, rows, keysT, j0, n, keys, headSize, scale,
                out, outOff, outStride);
        for (int r = 0; r < rows; r++) {
            int row = outOff + r * outStride, first = mask.firstVisible(i0 + r), end = mask.endVisible(i0 + r, n);
            if (first > j0) Arrays.fill(out, row, row + Math.min(keys, first - j0), Float.NEGATIVE_INFINITY);
            if (end < j0 + keys) Arrays.fill(out, row + Math.max(0, end - j0), row + keys, Float.NEGATIVE_INFINITY);
        }
    }

    /** Key head g of a traced layer's keys [kvHeads, n, d], transposed to [d × n] for {@link #scores(float[], int, int, int, float[], int, int, int, float[], int, int)}. */
    public float[] transposedKeys(float[] keys, int g, int n) {
        float[] keysT = new float[Math.multiplyExact(headSize, n)];
        transposeKeys(keys, g * n * headSize, headSize, n, keysT);
        return keysT;
    }

    /**
     * The scores [heads, n, n] of one traced layer, recomputed from its traced queries
     * [heads, n, d] and keys [kvHeads, n, d].
     */
    public float[] scores(float[] queries, float[] keys, int n) {
        float[] out = new float[Math.multiplyExact(heads * n, n)];
        float[] keysT = new float[headSize * n];
        int group = heads / kvHeads;
        for (int h = 0; h < heads; h++) {
            if (h % group == 0) transposeKeys(keys, (h / group) * n * headSize, headSize, n, keysT);
            for (int i0 = 0; i0 < n; i0 += AttentionKernel.ROWS) {
                int rows = Math.min(AttentionKernel.ROWS, n - i0);
                scoreBlock(queries, (h * n + i0) * headSize, headSize, i0, rows, keysT, 0, n, n, n, out, (h * n + i0) * n);
            }
        }
        return out;
    }
}
