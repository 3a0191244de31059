package org.attentionsearch.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

import org.attentionsearch.model.blocks.Attention;
import org.attentionsearch.model.blocks.Embedding;
import org.attentionsearch.model.blocks.LanguageModelHead;
import org.attentionsearch.model.families.Bert;
import org.attentionsearch.model.families.Gpt2;
import org.attentionsearch.model.families.Llama;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.text.Tokenizer;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.ModelFormatException;

/**
 * The engine every family runs on: embed, every layer, finish — the same loop for an encoder
 * and a decoder — with the trace's bookkeeping and the scratch kept between passes.
 * Activations are row-major [rows × width] over the whole ragged batch.
 */
public final class Transformer implements Model {

    /** Largest pass (in rows) whose scratch is kept: 8 × 512 tokens. */
    private static final int KEEP_ROWS = 4096;

    private final Checkpoint checkpoint;
    private final Tokenizer tokenizer;
    private final Architecture architecture;
    private final Pooling pooling;
    /** Scratch of the last untraced pass, kept for the next one (a concurrent pass makes its own). */
    private final AtomicReference<Map<String, float[]>> spare;

    private Transformer(Checkpoint checkpoint, Tokenizer tokenizer, Architecture architecture, Pooling pooling,
                        AtomicReference<Map<String, float[]>> spare) {
        this.checkpoint = checkpoint;
        this.tokenizer = tokenizer;
        this.architecture = architecture;
        this.pooling = pooling;
        this.spare = spare;
    }

    static Transformer load(Checkpoint checkpoint) {
        ModelConfig c = checkpoint.config();
        Tokenizer tokenizer = checkpoint.tokenizer().load();
        if (tokenizer.vocabSize() > c.vocabSize()) {
            throw new ModelFormatException(checkpoint.source(), "the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the token embeddings only " + c.vocabSize() + " rows");
        }
        if (c.typeVocabSize() > 0 && tokenizer.maxTypeId() >= c.typeVocabSize()) {
            throw new ModelFormatException(checkpoint.source(), "the tokenizer's template gives tokens type " + tokenizer.maxTypeId()
                    + " but the model has token types 0 to " + (c.typeVocabSize() - 1) + " only");
        }
        Architecture architecture = switch (c.family()) {
            case BERT -> Bert.load(checkpoint);
            case GPT2 -> Gpt2.load(checkpoint);
            case LLAMA -> Llama.load(checkpoint);
        };
        Pooling pooling = checkpoint.pooling() != null ? checkpoint.pooling()
                : c.decoder() ? Pooling.LAST : Pooling.MEAN_NORMALIZED;
        return new Transformer(checkpoint, tokenizer, architecture, pooling, new AtomicReference<>());
    }

    @Override
    public Transformer withPooling(Pooling pooling) {
        return new Transformer(checkpoint, tokenizer, architecture, pooling, spare);
    }

    /** The same model with scratch of its own (a test's "fresh engine"). */
    Transformer withoutScratch() {
        return new Transformer(checkpoint, tokenizer, architecture, pooling, new AtomicReference<>());
    }

    @Override
    public ModelConfig config() {
        return architecture.config();
    }

    @Override
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public Pooling pooling() {
        return pooling;
    }

    @Override
    public Checkpoint checkpoint() {
        return checkpoint;
    }

    @Override
    public Attention attention(int layer) {
        return architecture.attention(layer);
    }

    @Override
    public Embedding tokenEmbeddings() {
        return architecture.tokenEmbeddings();
    }

    @Override
    public LanguageModelHead head() {
        return architecture.head();
    }

    @Override
    public Tokenized tokenize(String text) {
        Encoding full = tokenizer.encode(text);
        int max = config().maxPositions();
        if (full.length() <= max) return new Tokenized(text, full, 0);
        return new Tokenized(text, full.truncate(max), full.length() - max);
    }

    @Override
    public Output forward(List<Encoding> encodings, boolean trace) {
        return forward(batch(encodings), trace, null, true);
    }

    @Override
    public Output forward(List<Encoding> encodings, Tracing tracing) {
        return forward(batch(encodings), tracing != Tracing.NONE, null, tracing == Tracing.FULL);
    }

    @Override
    public Output forward(List<Encoding> encodings, LayerObserver observer) {
        return forward(batch(encodings), false, observer, true);
    }

    private static Batch batch(List<Encoding> encodings) {
        List<int[]> ids = new ArrayList<>(encodings.size());
        List<int[]> types = new ArrayList<>(encodings.size());
        for (Encoding e : encodings) {
            ids.add(e.ids());
            types.add(e.typeIds());
        }
        return new Batch(ids, types);
    }

    /** The forward pass over a packed batch. */
    public Output forward(Batch batch, boolean trace) {
        return forward(batch, trace, null, true);
    }

    @Override
    public Output forward(int[] ids, KeyValueCache cache, boolean trace) {
        if (!config().decoder()) throw new IllegalArgumentException("only a causal decoder continues from a cache");
        if (ids.length == 0) throw new IllegalArgumentException("no tokens to add");
        return forward(Batch.continuing(ids, cache.length()), trace, null, true, cache);
    }

    private Output forward(Batch batch, boolean trace, LayerObserver observer, boolean weights) {
        return forward(batch, trace, observer, weights, null);
    }

    /**
     * @param weights whether the traces keep the attention weights (see {@link Tracing#WITHOUT_WEIGHTS})
     * @param cache   the key/value cache the batch's one sequence continues, or null
     */
    private Output forward(Batch batch, boolean trace, LayerObserver observer, boolean weights, KeyValueCache cache) {
        ModelConfig c = config();
        int h = c.hiddenSize();
        if (batch.endPosition() > c.maxPositions()) {
            throw new IllegalArgumentException("sequence of " + batch.endPosition()
                    + " tokens is longer than the model's " + c.maxPositions() + " positions");
        }
        Trace[] traces = null;
        if (trace) {
            traces = new Trace[batch.size()];
            for (int b = 0; b < batch.size(); b++) traces[b] = new Trace(batch.length(b), architecture, weights);
        }
        Map<String, float[]> pool = traces == null ? spare.getAndSet(null) : null;
        if (pool == null) pool = new HashMap<>();
        Pass p = new Pass(c, batch, traces, pool, cache);

        float[] x = architecture.embed(p);
        requireFinite(x, batch.rows(), h, "the embeddings");
        p.record("embeddings.output", x, h);
        for (int l = 0; l < c.layers(); l++) {
            p.beginLayer(l);
            if (traces != null) {
                for (Trace t : traces) t.alias("layers." + l + ".residual_in", l == 0 ? "embeddings.output" : "layers." + (l - 1) + ".residual_out");
            }
            x = architecture.layer(p, l, x);
            requireFinite(x, batch.rows(), h, "layer " + l);
            p.recordLayer("residual_out", x, h);
            if (observer != null) observer.layerDone(l, batch, x);
        }
        p.beginLayer(-1);
        float[] out = architecture.finish(p, x);
        if (out != x) requireFinite(out, batch.rows(), h, "the final norm");
        if (out != x) p.record("final_norm.output", out, h);
        if (cache != null) cache.advance(batch.rows());
        if (traces == null && batch.rows() <= KEEP_ROWS) spare.set(pool);
        return new Output(batch, out, h, traces == null ? null : List.of(traces));
    }

    /**
     * Stops the pass at the first value of a step's output that is not a finite number: one more
     * read of what the step just wrote, far cheaper than the step, so NaN is never shown as a result.
     */
    private static void requireFinite(float[] x, int rows, int width, String step) {
        int n = rows * width;
        for (int i = 0; i < n; i++) {
            if (!Float.isFinite(x[i])) throw new NonFiniteValueException(step, x[i], i / width);
        }
    }

    @Override
    public List<float[]> embed(List<String> texts) {
        List<Encoding> encodings = new ArrayList<>(texts.size());
        for (String t : texts) encodings.add(tokenize(t).encoding());
        Output out = forward(encodings, false);
        List<float[]> result = new ArrayList<>(texts.size());
        for (int b = 0; b < encodings.size(); b++) {
            result.add(pooling.pool(out.hidden(b), out.batch().length(b), config().hiddenSize()));
        }
        return result;
    }
}
