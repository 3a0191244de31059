package org.attentionsearch.corpus;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.text.Tokenizer;

/**
 * Per-head sums over the queries of a corpus, from which {@code heads} reports the means: kept
 * as sums (and counts) so that the sums of parts — batches, or Spark partitions — add up to
 * the sums of the whole. For query i of a head with weights α over its visible keys:
 * <pre>
 *   effective results  exp(H(α_i))
 *   previous token     α(i, i−1), for i ≥ 1 (counted over those queries only)
 *   duplicate token    Σ α(i, j) over visible j ≠ i with the same token id as i
 *   first token        α(i, 0) (0 when a sliding window hides it)
 *   special tokens     Σ α(i, j) over visible special tokens j ([CLS], [SEP], BOS …)
 *   sinks              Σ α(i, j) over the keys j the sink rule marks for query i
 *   value share        ‖z_i^h W_O^h‖ / Σ_h' ‖z_i^h' W_O^h'‖, the head's share of what the layer's attention adds
 * </pre>
 */
public final class HeadSums implements Serializable {

    private static final long serialVersionUID = 1L;

    /** The statistics in their order in {@link #sums}. */
    enum Stat { EFFECTIVE, PREVIOUS, DUPLICATE, FIRST, SPECIAL, SINKS, VALUE_SHARE }

    private static final int STATS = Stat.values().length;

    private final int layers, heads;
    /** [layer][head][stat] flattened. */
    private final double[] sums;
    private long texts, tokens, queries, laterQueries;

    public HeadSums(int layers, int heads) {
        this.layers = layers;
        this.heads = heads;
        this.sums = new double[layers * heads * STATS];
    }

    /** Adds every query of one analysed text (which must keep its attention weights). */
    public void add(Analysis a, Tokenizer tokenizer) {
        HeadReading.read(a, tokenizer, this, new int[0]);
    }

    /** Checks that an analysis is of this model's shape before its queries are added. */
    void check(ModelConfig c) {
        if (c.layers() != layers || c.heads() != heads) throw new IllegalArgumentException("another model's analysis");
    }

    /** Adds one query's {@code stat} of head {@code head} of {@code layer}; each head's own sums, so heads may be added side by side. */
    void add(int layer, int head, Stat stat, double x) {
        sums[(layer * heads + head) * STATS + stat.ordinal()] += x;
    }

    /** Counts a text of n tokens, whose queries were added. */
    void counted(int n) {
        texts++;
        tokens += n;
        queries += n;
        laterQueries += Math.max(0, n - 1);
    }

    /** Adds another part's sums to these. */
    public HeadSums merge(HeadSums other) {
        if (other.layers != layers || other.heads != heads) throw new IllegalArgumentException("sums of another model");
        for (int x = 0; x < sums.length; x++) sums[x] += other.sums[x];
        texts += other.texts;
        tokens += other.tokens;
        queries += other.queries;
        laterQueries += other.laterQueries;
        return this;
    }

    public long texts() {
        return texts;
    }

    /**
     * The sums as text, exactly (every double's bits), for an index's commit data: an index
     * resumed from its last commit carries on adding to the sums of the documents it holds.
     */
    public String encode() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 + 32 + 8 * sums.length);
        b.putInt(layers).putInt(heads).putLong(texts).putLong(tokens).putLong(queries).putLong(laterQueries);
        for (double x : sums) b.putDouble(x);
        return java.util.Base64.getEncoder().encodeToString(b.array());
    }

    /** The sums {@link #encode} wrote; {@code where} names the index in the one sentence a damaged text gets. */
    public static HeadSums decode(String text, String where) {
        java.nio.ByteBuffer b;
        try {
            b = java.nio.ByteBuffer.wrap(java.util.Base64.getDecoder().decode(text));
        } catch (IllegalArgumentException e) {
            throw new CorpusException(where + " holds damaged head statistics (not base64)");
        }
        if (b.remaining() < 40) throw new CorpusException(where + " holds damaged head statistics (too short)");
        int layers = b.getInt(), heads = b.getInt();
        if (layers < 1 || heads < 1 || (long) layers * heads * STATS * 8 != b.remaining() - 32) {
            throw new CorpusException(where + " holds damaged head statistics (their length is not that of " + layers + " × " + heads + " heads)");
        }
        HeadSums s = new HeadSums(layers, heads);
        s.texts = b.getLong();
        s.tokens = b.getLong();
        s.queries = b.getLong();
        s.laterQueries = b.getLong();
        for (int x = 0; x < s.sums.length; x++) s.sums[x] = b.getDouble();
        return s;
    }

    public long tokens() {
        return tokens;
    }

    /**
     * The means per head, layer by layer; {@code induction} (per layer and head, or null for an
     * encoder) is added as it is.
     */
    public List<HeadStatistics> means(double[][] induction) {
        List<HeadStatistics> out = new ArrayList<>(layers * heads);
        for (int l = 0; l < layers; l++) {
            for (int h = 0; h < heads; h++) {
                int base = (l * heads + h) * STATS;
                double q = Math.max(1, queries);
                out.add(new HeadStatistics(l, h, sums[base + Stat.EFFECTIVE.ordinal()] / q,
                        laterQueries == 0 ? Double.NaN : sums[base + Stat.PREVIOUS.ordinal()] / laterQueries,
                        sums[base + Stat.DUPLICATE.ordinal()] / q, sums[base + Stat.FIRST.ordinal()] / q,
                        sums[base + Stat.SPECIAL.ordinal()] / q, sums[base + Stat.SINKS.ordinal()] / q,
                        sums[base + Stat.VALUE_SHARE.ordinal()] / q, induction == null ? Double.NaN : induction[l][h]));
            }
        }
        return out;
    }
}
