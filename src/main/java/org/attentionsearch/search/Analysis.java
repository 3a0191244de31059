package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.attentionsearch.math.Entropy;
import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.MatMul;
import org.attentionsearch.math.PackedMatrix;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.math.Vectors;
import org.attentionsearch.math.WeightMatrix;
import org.attentionsearch.model.AttentionMask;
import org.attentionsearch.model.HeadProjection;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Trace;
import org.attentionsearch.model.Tracing;
import org.attentionsearch.text.Encoding;

/**
 * One text, run once through the model with the trace on; every results page, blend and
 * rollout of it is computed from that trace, never by running the model again.
 *
 * <p>The numbers, for query i, key j, head h of layer l, d the head width:
 * <ul>
 * <li>score s_ij = q_i·k_j / √d ({@link #scores}, {@link #scoreRow}), −∞ where a decoder's mask hides j;</li>
 * <li>attention weight α_ij = exp(s_ij − max_k s_ik) / Σ_k exp(s_ik − max_k s_ik)
 *     ({@link #weights} of a {@link View.Head});</li>
 * <li>mean attention weight ᾱ_ij = Σ_h α^h_ij / heads ({@link View.MeanBlend});</li>
 * <li>what a key's value adds: ‖α_ij f(x_j)‖ with f(x_j) = (x_j W_V + b_V) W_O^h, the value
 *     carried into the residual stream (Kobayashi et al. 2020; {@link #valueNorms}); for the
 *     value-weighted blend ‖Σ_h α^h_ij f^h(x_j)‖;</li>
 * <li>value share: that norm over its row's sum — the numbers of a {@link View.ValueBlend} page,
 *     which are not attention weights;</li>
 * <li>rollout: Ã_l = rownorm(ᾱ_l + I), R = Ã_L ⋯ Ã_1, multiplied from the first layer to the last
 *     (Abnar &amp; Zuidema 2020; {@link Rollout});</li>
 * <li>effective results exp(−Σ_j p_j ln p_j) of a page's row p ({@link #effectiveResults}):
 *     1 when one key takes everything, n when all are equal.</li>
 * </ul>
 * {@link View#measure()} names the number of each view as pages and JSON show it.
 */
public final class Analysis {

    private final Model model;
    private final String text;
    private final Encoding encoding;
    private final int dropped;
    private final Trace trace;
    private final List<TokenRef> tokens;
    private final double forwardMillis;
    private final ConcurrentHashMap<Object, Object> cache = new ConcurrentHashMap<>();
    /** Why this analysis streams its pages, or null when its trace keeps the weights. */
    private final String streamed;
    private final StreamedPages streamedPages;

    private Analysis(Model model, Model.Tokenized tokenized, Trace trace, double forwardMillis, String streamed) {
        this.model = model;
        this.text = tokenized.text();
        this.encoding = tokenized.encoding();
        this.dropped = tokenized.dropped();
        this.trace = trace;
        this.forwardMillis = forwardMillis;
        List<TokenRef> list = new ArrayList<>(encoding.length());
        for (int i = 0; i < encoding.length(); i++) {
            list.add(new TokenRef(i, encoding.ids()[i], encoding.tokens()[i], encoding.starts()[i], encoding.ends()[i]));
        }
        this.tokens = List.copyOf(list);
        this.streamed = streamed;
        this.streamedPages = streamed == null ? null : new StreamedPages(this);
    }

    /**
     * About how many bytes an analysis of n tokens holds: the trace (attention weights, and
     * scores once asked for, per head; about eight hidden-width vectors per token and layer)
     * plus what the pages derive from it (value vectors per head, blends per layer). The
     * attention grows with n², so this is what limits how long a text can be analysed.
     */
    public static long estimatedBytes(ModelConfig c, int n) {
        long nn = (long) n * n;
        long perLayer = 2L * c.heads() * nn + (long) c.heads() * n * c.hiddenSize() + 8L * n * c.hiddenSize() + 2L * nn;
        return 4L * c.layers() * perLayer;
    }

    /**
     * About how many bytes a streamed analysis of n tokens holds (see {@link StreamedPages}):
     * the trace without weights (the fused q/k/v, head outputs and two residual streams per
     * layer), the forward pass's scratch, and what one layer's pages derive from it (keys
     * transposed, value norms, the value blend's Gram matrices). It grows with n.
     */
    public static long streamedBytes(ModelConfig c, int n) {
        long stride = c.queryWidth() + 2L * c.keyValueWidth();
        long perToken = c.layers() * (stride + c.queryWidth() + 2L * c.hiddenSize()) // the trace
                + 2L * c.intermediateSize() + 2L * c.hiddenSize() // the pass's scratch
                + 2 * stride + c.queryWidth() + c.heads() + c.heads() * (c.heads() + 1L); // copies out of the trace, page caches
        return 4L * n * perToken;
    }

    /** About how many bytes this analysis holds: {@link #estimatedBytes} or, streamed, {@link #streamedBytes}. */
    public long heldBytes() {
        return streamed != null ? streamedBytes(config(), length()) : estimatedBytes(config(), length());
    }

    /**
     * Refuses, with one sentence, a text whose analysis would not fit in {@code budget} bytes
     * (a share of the heap), instead of running out of memory halfway through.
     */
    public static void requireFits(ModelConfig c, int n, long budget) {
        long need = estimatedBytes(c, n);
        if (need > budget) {
            throw new IllegalArgumentException("analysing " + n + " tokens holds about " + need / 1_000_000
                    + " MB of attention (it grows with the square of the length), more than the " + budget / 1_000_000
                    + " MB this process allows; use a shorter text or give Java more memory (-Xmx)");
        }
    }

    /** Tokenizes (cutting to the model's positions) and runs one traced forward pass. */
    public static Analysis of(Model model, String text) {
        if (text == null || text.isBlank()) throw new IllegalArgumentException("the text is empty");
        return of(model, model.tokenize(text));
    }

    public static Analysis of(Model model, Model.Tokenized tokenized) {
        return of(model, List.of(tokenized)).getFirst();
    }

    /** Several texts in one traced forward pass (the throughput path for files). */
    public static List<Analysis> of(Model model, List<Model.Tokenized> texts) {
        return of(model, texts, Streaming.past(Long.MAX_VALUE));
    }

    /**
     * Several texts, each analysed in full or with streamed pages as {@code streaming} decides:
     * one traced forward pass for those in full and one, keeping no attention weights, for the
     * others. The analyses come back in the texts' order.
     */
    public static List<Analysis> of(Model model, List<Model.Tokenized> texts, Streaming streaming) {
        Analysis[] out = new Analysis[texts.size()];
        for (boolean streams : new boolean[] {false, true}) {
            List<Integer> which = new ArrayList<>();
            List<Encoding> encodings = new ArrayList<>();
            for (int b = 0; b < texts.size(); b++) {
                if (streaming.streams(model.config(), texts.get(b).encoding().length()) == streams) {
                    which.add(b);
                    encodings.add(texts.get(b).encoding());
                }
            }
            if (which.isEmpty()) continue;
            long t0 = System.nanoTime();
            var output = model.forward(encodings, streams ? Tracing.WITHOUT_WEIGHTS : Tracing.FULL);
            double millis = (System.nanoTime() - t0) / 1e6;
            for (int x = 0; x < which.size(); x++) {
                Model.Tokenized t = texts.get(which.get(x));
                String reason = streams ? streaming.reason(model.config(), t.encoding().length()) : null;
                out[which.get(x)] = new Analysis(model, t, output.trace(x), millis, reason);
            }
        }
        return List.of(out);
    }

    /**
     * Whether this analysis streams its pages: its trace keeps no attention weights, so rollout,
     * pages of every key and the weight, score and value-norm matrices are refused
     * ({@link MatrixNotKeptException}); pages of the top keys under a head or a blend are exact.
     */
    public boolean streamed() {
        return streamed != null;
    }

    public Model model() {
        return model;
    }

    public ModelConfig config() {
        return model.config();
    }

    public String text() {
        return text;
    }

    public List<TokenRef> tokens() {
        return tokens;
    }

    public int length() {
        return tokens.size();
    }

    /**
     * How token t reads to a person: its vocabulary string for an encoder (WordPiece reads well),
     * the text it covers for a decoder (byte-level pieces such as "Ġbank" do not).
     */
    public String display(TokenRef t) {
        return config().decoder() && t.hasSpan() ? text.substring(t.start(), t.end()) : t.text();
    }

    /** Tokens cut off because the text was longer than the model's positions. */
    public int dropped() {
        return dropped;
    }

    public Trace trace() {
        return trace;
    }

    /** Wall time of the traced forward pass. */
    public double forwardMillis() {
        return forwardMillis;
    }

    /** The view's weights as an n×n row-major matrix: row i is query i's distribution over keys. */
    public float[] weights(View view) {
        check(view);
        if (streamed != null) throw new MatrixNotKeptException("the weights of " + view.label(), streamed);
        return switch (view) {
            case View.Head h -> cached(List.of("weights", view), () -> headSlice(trace.layer(h.layer(), "attention.weights"), h.head()));
            case View.MeanBlend m -> cached(List.of("weights", view), () -> meanOfHeads(m.layer()));
            case View.ValueBlend v -> cached(List.of("weights", view), () -> normaliseRows(valueNorms(v)));
            case View.Rollout r -> cached(List.of("weights", view), () -> {
                List<float[]> means = new ArrayList<>();
                for (int l = 0; l < config().layers(); l++) means.add(weights(new View.MeanBlend(l)));
                double[] rollout = Rollout.compute(means, length());
                float[] out = new float[rollout.length];
                for (int i = 0; i < out.length; i++) out[i] = (float) rollout[i];
                return out;
            });
        };
    }

    /** Raw scores q·k/√d of one head, n×n. */
    public float[] scores(int layer, int head) {
        check(new View.Head(layer, head));
        if (streamed != null) throw new MatrixNotKeptException("the scores of layer " + layer + ", head " + head, streamed);
        return cached(List.of("scores", layer, head), () -> headSlice(trace.layer(layer, "attention.scores"), head));
    }

    /**
     * What each key's value adds to each query, n×n: ‖α_ij f(x_j)‖ for a head, the
     * value-weighted blend's ‖Σ_h α^h_ij f^h(x_j)‖ for a layer; null for other views.
     */
    public float[] valueNorms(View view) {
        check(view);
        if (streamed != null) throw new MatrixNotKeptException("the value norms of " + view.label(), streamed);
        return switch (view) {
            case View.Head h -> cached(List.of("valueNorms", view), () -> {
                float[] alpha = weights(view);
                float[] fNorm = valueVectorNorms(h.layer(), h.head());
                int n = length();
                float[] out = new float[n * n];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) out[i * n + j] = alpha[i * n + j] * fNorm[j];
                }
                return out;
            });
            case View.ValueBlend v -> cached(List.of("valueNorms", v), () -> valueBlendNorms(v.layer()));
            default -> null;
        };
    }

    /**
     * f^h(x_j) = (x_j W_V^h + b_V^h) · W_O^h for every head h and key j: what key j's value
     * would add through head h at full weight. [heads, n, hidden].
     */
    public float[] valueVectors(int layer) {
        return cached(List.of("valueVectors", layer), () -> {
            ModelConfig c = config();
            int n = length(), d = c.headSize(), h = c.hiddenSize();
            float[] v = trace.layer(layer, "attention.value"); // [kvHeads, n, d]: heads of a group share one
            WeightMatrix wo = model.attention(layer).outputWeight();
            float[] out = new float[c.heads() * n * h];
            for (int head = 0; head < c.heads(); head++) {
                HeadProjection.project(v, c.kvHead(head) * n * d, n, d, wo, head, out, head * n * h);
            }
            return out;
        });
    }

    /** The results page of one query token under a view; top ≤ 0 shows every key. */
    public ResultsPage page(View view, int query, int top) {
        check(view);
        int n = length();
        if (query < 0 || query >= n) {
            throw new IllegalArgumentException("token index " + query + " is out of range 0.." + (n - 1));
        }
        if (streamed != null) return streamedPages(view, top).page(view, query, top);
        float[] w = weights(view);
        float[] s = view instanceof View.Head h ? scores(h.layer(), h.head()) : null;
        float[] v = valueNorms(view);

        // Only the keys the query may see are results: a decoder's query i sees keys 0 … i.
        // Rollout follows attention through every layer, so it reaches past one layer's sliding window.
        AttentionMask mask = view instanceof View.Rollout ? new AttentionMask(model.attention(0).mask().causal(), 0)
                : model.attention(view.layer()).mask();
        int first = mask.firstVisible(query);
        boolean[] sinks = Sinks.of(this, view, query, first, mask.visibleKeys(query, n));
        return rank(tokens, text, query, view, mask, w, s, v, sinks, query * n, n, top);
    }

    /**
     * The page of {@code query} from its row of a view's weights, scores and value norms (each
     * row at {@code row}, n keys long; s and v may be null) and the sink flags of its visible keys
     * (from the first visible one; null where the view marks none): the visible keys ranked by
     * weight. A traced pass and a generation step both build their pages here.
     */
    static ResultsPage rank(List<TokenRef> tokens, String text, int query, View view, AttentionMask mask,
                            float[] w, float[] s, float[] v, boolean[] sink, int row, int n, int top) {
        int first = mask.firstVisible(query), keys = mask.visibleKeys(query, n);
        int[] order = rankByWeight(w, row + first, keys);
        for (int r = 0; r < keys; r++) order[r] += first;
        double valueTotal = 0;
        for (int j = 0; j < n; j++) {
            if (v != null) valueTotal += v[row + j];
        }
        int shown = top <= 0 ? keys : Math.min(top, keys);
        List<Result> results = new ArrayList<>(shown);
        double covered = 0;
        for (int r = 0; r < shown; r++) {
            int j = order[r];
            TokenRef key = tokens.get(j);
            double vn = v == null ? Double.NaN : v[row + j];
            covered += w[row + j];
            results.add(new Result(key, r + 1, w[row + j], s == null ? Double.NaN : s[row + j], vn,
                    v == null ? Double.NaN : vn / valueTotal, Snippet.of(text, key), sink != null && sink[j - first]));
        }
        return new ResultsPage(tokens.get(query), view, keys, effectiveResults(w, row, n), covered, List.copyOf(results));
    }

    /**
     * Key positions by descending weight, ties by position. Weights are ≥ 0, and for
     * non-negative floats the raw bits order like the values, so one primitive sort does it.
     */
    static int[] rankByWeight(float[] w, int from, int n) {
        long[] keys = new long[n];
        for (int j = 0; j < n; j++) {
            keys[j] = ((long) Float.floatToRawIntBits(Math.max(0f, w[from + j])) << 32) | (n - 1 - j);
        }
        Arrays.sort(keys);
        int[] order = new int[n];
        for (int r = 0; r < n; r++) order[r] = n - 1 - (int) (keys[n - 1 - r] & 0xffffffffL);
        return order;
    }

    /**
     * exp(H(α)) with H(α) = −Σ α ln α: the perplexity of a weight row, i.e. how many results
     * it really clicked — n for a uniform row, 1 when one key takes all the weight. The row is
     * renormalised in double, H = ln S − Σ a ln a / S with S = Σ a ({@link Entropy}), so that the float
     * rounding of a long row's sum (a few parts in 10⁷ over thousands of keys) does not shift it.
     */
    public static double effectiveResults(float[] weights, int from, int n) {
        return Math.exp(Math.max(0, Entropy.nats(weights, from, n)));
    }

    /** Every query token's page under one view. */
    public List<ResultsPage> pages(View view, int top) {
        if (streamed != null) {
            check(view);
            return streamedPages(view, top).pages(view, top);
        }
        List<ResultsPage> pages = new ArrayList<>(length());
        for (int i = 0; i < length(); i++) pages.add(page(view, i, top));
        return pages;
    }

    /**
     * Refuses {@code what} (e.g. "the attention maps") with one sentence when this analysis
     * streams its pages and so keeps no whole matrices.
     */
    public void requireMatrices(String what) {
        if (streamed != null) throw new MatrixNotKeptException(what, streamed);
    }

    /** The streamed pages, refusing rollout and pages of every key, which need the whole matrices. */
    private StreamedPages streamedPages(View view, int top) {
        if (view instanceof View.Rollout) throw new MatrixNotKeptException("rollout through all layers", streamed);
        if (top <= 0) throw new MatrixNotKeptException("a page of every key (top all)", streamed);
        return streamedPages;
    }

    /**
     * Query i's raw scores under one head, [n] (−∞ where masked): a row of the trace's scores,
     * or for a streamed analysis recomputed from its queries and keys, to the bit the same.
     */
    public float[] scoreRow(int layer, int head, int query) {
        check(new View.Head(layer, head));
        int n = length();
        if (query < 0 || query >= n) throw new IllegalArgumentException("token index " + query + " is out of range 0.." + (n - 1));
        if (streamed == null) {
            int row = (head * n + query) * n;
            return Arrays.copyOfRange(trace.layer(layer, "attention.scores"), row, row + n);
        }
        var attention = model.attention(layer);
        float[] keysT = attention.transposedKeys(trace.layer(layer, "attention.key"), config().kvHead(head), n);
        float[] row = new float[n];
        attention.scores(trace.layer(layer, "attention.query"), head, query, 1, keysT, n, 0, n, row, 0, n);
        return row;
    }

    /** Throws IllegalArgumentException naming the valid range when a view is out of range. */
    public void check(View view) {
        int layers = config().layers(), heads = config().heads();
        int layer = view.layer();
        if (!(view instanceof View.Rollout) && (layer < 0 || layer >= layers)) {
            throw new IllegalArgumentException("layer " + layer + " is out of range 0.." + (layers - 1));
        }
        if (view instanceof View.Head h && (h.head() < 0 || h.head() >= heads)) {
            throw new IllegalArgumentException("head " + h.head() + " is out of range 0.." + (heads - 1));
        }
    }

    private float[] headSlice(float[] all, int head) {
        int n = length();
        return Arrays.copyOfRange(all, head * n * n, (head + 1) * n * n);
    }

    private float[] meanOfHeads(int layer) {
        int n = length(), heads = config().heads();
        float[] all = trace.layer(layer, "attention.weights");
        float[] mean = new float[n * n];
        for (int h = 0; h < heads; h++) {
            for (int x = 0; x < n * n; x++) mean[x] += all[h * n * n + x];
        }
        for (int x = 0; x < n * n; x++) mean[x] /= heads;
        return mean;
    }

    /** ‖f^h(x_j)‖ for one head, per key j. */
    private float[] valueVectorNorms(int layer, int head) {
        return cached(List.of("fNorm", layer, head), () -> {
            int n = length(), h = config().hiddenSize();
            float[] f = valueVectors(layer);
            float[] out = new float[n];
            for (int j = 0; j < n; j++) {
                double s = 0;
                int o = (head * n + j) * h;
                for (int x = 0; x < h; x++) s += (double) f[o + x] * f[o + x];
                out[j] = (float) Math.sqrt(s);
            }
            return out;
        });
    }

    /**
     * ‖Σ_h α^h_ij f^h(x_j)‖ for every query i and key j, n×n. For a fixed key j this is a
     * matrix product, [n queries × heads] α times [heads × hidden] f(x_j), so each key is one
     * small multiply on the packed kernel.
     */
    private float[] valueBlendNorms(int layer) {
        int n = length(), heads = config().heads(), h = config().hiddenSize();
        float[] alpha = trace.layer(layer, "attention.weights");
        float[] f = valueVectors(layer);
        float[] out = new float[n * n];
        Parallel.forEach(n, j -> {
            float[] a = new float[n * heads], fj = new float[heads * h], u = new float[n * h];
            for (int i = 0; i < n; i++) {
                for (int head = 0; head < heads; head++) a[i * heads + head] = alpha[(head * n + i) * n + j];
            }
            for (int head = 0; head < heads; head++) System.arraycopy(f, (head * n + j) * h, fj, head * h, h);
            MatMul.multiply(a, PackedMatrix.pack(fj, heads, h), null, Epilogue.NONE, null, u, 0, n);
            for (int i = 0; i < n; i++) out[i * n + j] = (float) Math.sqrt(Vectors.dot(u, i * h, u, i * h, h));
        });
        return out;
    }

    private static float[] normaliseRows(float[] m) {
        int n = (int) Math.round(Math.sqrt(m.length));
        float[] out = new float[m.length];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int j = 0; j < n; j++) s += m[i * n + j];
            for (int j = 0; j < n; j++) out[i * n + j] = s > 0 ? (float) (m[i * n + j] / s) : 0f;
        }
        return out;
    }

    /** What this analysis derives once and keeps (its streamed pages' tables too), by key. */
    @SuppressWarnings("unchecked")
    <T> T cached(Object key, Supplier<T> compute) {
        // Not computeIfAbsent: computing one entry may need another (rollout needs the means).
        Object v = cache.get(key);
        if (v == null) {
            v = compute.get();
            Object prev = cache.putIfAbsent(key, v);
            if (prev != null) v = prev;
        }
        return (T) v;
    }
}
