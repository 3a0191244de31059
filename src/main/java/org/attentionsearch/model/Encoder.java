package org.attentionsearch.model;

import java.util.List;

import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.MatMul;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.math.Vectors;

/**
 * The BERT encoder's forward pass (Devlin et al. 2019), post-LayerNorm:
 * <pre>
 *   x₀ = LayerNorm(word[id] + position[i] + type[t])
 *   for each layer:
 *     q, k, v = x·W_Q + b_Q, x·W_K + b_K, x·W_V + b_V          (one fused pass)
 *     z       = softmax(q·kᵀ/√d) · v                           (per head)
 *     m       = LayerNorm(x + z·W_O + b_O)
 *     x       = LayerNorm(m + GELU(m·W_1 + b_1)·W_2 + b_2)
 * </pre>
 * Activations are row-major [rows × width] over the whole ragged batch.
 */
public final class Encoder {

    private final BertWeights weights;
    private final SelfAttention attention;
    /** Largest pass (in rows) whose scratch is kept: 8 × 512 tokens, about 56 MB for MiniLM. */
    private static final int KEEP_ROWS = 4096;
    /** Scratch of the last untraced pass, kept for the next one (a concurrent pass makes its own). */
    private final java.util.concurrent.atomic.AtomicReference<float[][]> spare = new java.util.concurrent.atomic.AtomicReference<>();

    public Encoder(BertWeights weights) {
        this.weights = weights;
        this.attention = new SelfAttention(weights.config(), AttentionMask.BIDIRECTIONAL);
    }

    public BertConfig config() {
        return weights.config();
    }

    public BertWeights weights() {
        return weights;
    }

    /** The last hidden state of every token of every sequence, plus traces when asked. */
    public record Output(Batch batch, float[] hidden, int hiddenSize, List<Trace> traces) {

        /** Last hidden state of sequence b as [length × hidden]. */
        public float[] hidden(int b) {
            int from = batch.start(b) * hiddenSize;
            return java.util.Arrays.copyOfRange(hidden, from, from + batch.length(b) * hiddenSize);
        }

        public Trace trace(int b) {
            if (traces == null) throw new IllegalStateException("this forward pass was run without a trace");
            return traces.get(b);
        }
    }

    public Output forward(Batch batch, boolean trace) {
        BertConfig c = weights.config();
        int rows = batch.rows(), h = c.hiddenSize();
        for (int b = 0; b < batch.size(); b++) {
            if (batch.length(b) > c.maxPositions()) {
                throw new IllegalArgumentException("sequence of " + batch.length(b)
                        + " tokens is longer than the model's " + c.maxPositions() + " positions");
            }
        }
        Trace[] traces = null;
        if (trace) {
            traces = new Trace[batch.size()];
            for (int b = 0; b < batch.size(); b++) traces[b] = new Trace(batch.length(b), weights, attention);
        }

        float[] x = embed(batch);
        record(traces, batch, "embeddings.output", x, h);
        // Without a trace the four scratch buffers are reused from pass to pass: every element
        // read is first written in the same layer, so old contents never leak into a result.
        // A trace keeps views of each layer's buffers, so there every layer gets fresh ones.
        float[][] scratch = traces == null ? spare.getAndSet(null) : null;
        if (traces == null && (scratch == null || scratch[0].length < rows * 3 * h)) {
            scratch = allocate(rows * 3 * h, rows * h, rows * h, rows * c.intermediateSize());
        }
        float[] ffn = traces == null ? scratch[3] : new float[rows * c.intermediateSize()];

        for (int l = 0; l < c.layers(); l++) {
            LayerWeights w = weights.layers().get(l);
            String p = "layers." + l + ".";
            // Without a trace, x is not needed once mid exists, so the layer's output overwrites it.
            float[][] buffers = traces == null ? new float[][] {scratch[0], scratch[1], scratch[2], x}
                    : allocate(rows * 3 * h, rows * h, rows * h, rows * h);
            float[] qkv = buffers[0], context = buffers[1], mid = buffers[2], out = buffers[3];
            if (traces != null) {
                for (Trace t : traces) t.alias(p + "residual_in", l == 0 ? "embeddings.output" : "layers." + (l - 1) + ".residual_out");
            }
            MatMul.multiply(x, rows, w.queryKeyValue(), w.queryKeyValueBias(), Epilogue.NONE, null, qkv);
            attention.run(batch, qkv, context, traces, l);
            MatMul.multiply(context, rows, w.output(), w.outputBias(), Epilogue.ADD, x, mid,
                    layerNorm(mid, h, w.attentionNorm()));
            record(traces, batch, p + "residual_mid", mid, h);
            MatMul.multiply(mid, rows, w.intermediate(), w.intermediateBias(), Epilogue.GELU, null, ffn);
            MatMul.multiply(ffn, rows, w.feedForwardOutput(), w.feedForwardOutputBias(), Epilogue.ADD, mid, out,
                    layerNorm(out, h, w.outputNorm()));
            record(traces, batch, p + "residual_out", out, h);
            x = out;
        }
        if (traces == null && scratch[0].length <= KEEP_ROWS * 3 * h) spare.set(scratch);
        return new Output(batch, x, h, traces == null ? null : List.of(traces));
    }

    /**
     * Fresh arrays of the given sizes, zeroed by all threads at once: a traced pass takes tens
     * of megabytes per layer, and zeroing them on one thread would leave the others idle.
     */
    private static float[][] allocate(int... sizes) {
        float[][] arrays = new float[sizes.length][];
        Parallel.forEach(sizes.length, i -> arrays[i] = new float[sizes[i]]);
        return arrays;
    }

    /** x_i = LayerNorm(word[id_i] + position[i] + type[t_i]), position counted per sequence. */
    private float[] embed(Batch batch) {
        BertConfig c = weights.config();
        int h = c.hiddenSize();
        float[] x = new float[batch.rows() * h];
        Parallel.forRange(batch.rows(), 1, (from, to) -> { // by rows, so one long text uses every thread
            int b = 0;
            for (int row = from; row < to; row++) {
                while (row >= batch.start(b) + batch.length(b)) b++;
                int i = row - batch.start(b);
                int id = batch.id(row), type = batch.typeId(row);
                if (id < 0 || id >= c.vocabSize()) {
                    throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + c.vocabSize());
                }
                if (type < 0 || type >= c.typeVocabSize()) {
                    throw new IllegalArgumentException("token type " + type + " is outside 0.." + (c.typeVocabSize() - 1));
                }
                int o = row * h;
                System.arraycopy(weights.wordEmbeddings(), id * h, x, o, h);
                Vectors.axpy(1f, weights.typeEmbeddings(), type * h, x, o, h);
                Vectors.axpy(1f, weights.positionEmbeddings(), i * h, x, o, h);
                Vectors.layerNorm(x, o, h, weights.embeddingNorm().gamma(), weights.embeddingNorm().beta(),
                        weights.embeddingNorm().eps());
            }
        });
        return x;
    }

    /** LayerNorm of rows [from, to) of x, in place: run by the matmul that wrote them. */
    private static Parallel.RangeBody layerNorm(float[] x, int h, Norm norm) {
        return (from, to) -> {
            for (int r = from; r < to; r++) Vectors.layerNorm(x, r * h, h, norm.gamma(), norm.beta(), norm.eps());
        };
    }

    /** Lets each trace see its rows of a batch buffer; nothing is copied until it is read. */
    private static void record(Trace[] traces, Batch batch, String name, float[] x, int h) {
        if (traces == null) return;
        for (int b = 0; b < batch.size(); b++) traces[b].putRows(name, x, batch.start(b), h);
    }
}
