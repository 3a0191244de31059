package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

import org.attentionsearch.model.AttentionMask;
import org.attentionsearch.model.HeadProjection;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Trace;

/**
 * The arithmetic behind one result of one page — query i, key j, layer l, head h — with
 * every number taken from the trace:
 * <pre>
 *   s_ij = q_i·k_j / √d = (Σ_c q_ic k_jc) / √d
 *   α_ij = exp(s_ij − max_j s) / Σ_j' exp(s_ij' − max_j s)
 *   contribution = α_ij · f(x_j),   f(x_j) = v_j · W_O^h
 * </pre>
 * plus what the layer really sees at position i, and what comes out of it.
 *
 * @param kvHead         the key/value head this query head reads (itself, without grouped-query attention)
 * @param q              the query after rotary positions, where the model has them; dimension c pairs
 *                       with c + d/2 in the rotation (Hugging Face's layout, also for GGUF files)
 * @param terms          the dimensions c whose products q_ic·k_jc move the dot product most, signed
 * @param contribution   α_ij f(x_j): what this result adds to the query's new meaning, in the residual space
 * @param nearestToContribution vocabulary tokens whose input embeddings lie nearest to the contribution
 *                       (nearest neighbours in embedding space, not a prediction)
 * @param headOutput     z_i = Σ_j α_ij v_j, this head's output for the query
 * @param layerOutput    the residual stream leaving layer l at position i
 * @param sight          for every layer, what its input at position i resembles
 */
public record MathView(TokenRef query, TokenRef key, int layer, int head, int kvHead,
                       float[] q, float[] k, float[] v, double dot, List<Term> terms,
                       double scale, double score, double rowMax, double shiftedExp, double rowSum, double weight,
                       float[] contribution, List<Neighbour> nearestToContribution,
                       float[] headOutput, float[] layerOutput, List<LayerSight> sight) {

    /** One dimension's share of the dot product: q_c · k_c. */
    public record Term(int dimension, double query, double key, double product) {
    }

    /**
     * What layer l sees at position i: cosine of its input vector to the token's own input
     * embedding (after the embedding LayerNorm), and the input tokens it resembles most.
     */
    public record LayerSight(int layer, double selfSimilarity, List<Neighbour> resembles) {
    }

    public static MathView of(Analysis a, int layer, int head, int query, int key, int topTerms) {
        a.check(new View.Head(layer, head));
        int n = a.length();
        if (query < 0 || query >= n) throw new IllegalArgumentException("query index " + query + " is out of range 0.." + (n - 1));
        if (key < 0 || key >= n) throw new IllegalArgumentException("key index " + key + " is out of range 0.." + (n - 1));
        AttentionMask mask = a.model().attention(layer).mask();
        if (key < mask.firstVisible(query) || key >= mask.endVisible(query, n)) {
            throw new IllegalArgumentException("token " + query + " cannot see token " + key + ": a decoder's query sees keys "
                    + mask.firstVisible(query) + ".." + (mask.endVisible(query, n) - 1));
        }
        ModelConfig c = a.config();
        Trace t = a.trace();
        int d = c.headSize(), h = c.hiddenSize();

        int g = c.kvHead(head); // under grouped-query attention several query heads read one key/value head
        float[] q = slice(t.layer(layer, "attention.query"), (head * n + query) * d, d);
        float[] k = slice(t.layer(layer, "attention.key"), (g * n + key) * d, d);
        float[] v = slice(t.layer(layer, "attention.value"), (g * n + key) * d, d);
        double dot = 0;
        List<Term> all = new ArrayList<>(d);
        for (int x = 0; x < d; x++) {
            double p = (double) q[x] * k[x];
            dot += p;
            all.add(new Term(x, q[x], k[x], p));
        }
        all.sort(Comparator.comparingDouble((Term term) -> -Math.abs(term.product())));
        List<Term> terms = List.copyOf(all.subList(0, Math.min(Math.max(topTerms, 0), d)));

        float[] scores = a.scoreRow(layer, head, query);
        double max = Double.NEGATIVE_INFINITY, sum = 0;
        for (int j = 0; j < n; j++) max = Math.max(max, scores[j]);
        for (int j = 0; j < n; j++) sum += Math.exp(scores[j] - max);
        double score = scores[key];
        // The forward pass's own weight where the trace kept it; for streamed pages the same softmax in double.
        double alpha = a.streamed() ? Math.exp(score - max) / sum
                : t.layer(layer, "attention.weights")[(head * n + query) * n + key];

        float[] contribution = new float[h];
        HeadProjection.project(v, 0, 1, d, a.model().attention(layer).outputWeight(), head, contribution, 0);
        for (int x = 0; x < h; x++) contribution[x] *= (float) alpha;
        List<Neighbour> nearest = new ArrayList<>();
        // Rows past the tokenizer's vocabulary (padded embedding tables) have no token to show.
        int rows = Math.min(c.vocabSize(), a.model().tokenizer().vocabSize());
        for (double[] r : EmbeddingSpace.nearest(contribution, a.model().tokenEmbeddings(), rows, 8)) {
            int id = (int) r[0];
            String text = c.decoder() ? TokenText.of(a.model().tokenizer(), id) : a.model().tokenizer().token(id);
            nearest.add(new Neighbour(id, text, -1, r[1]));
        }

        float[] z = slice(t.layer(layer, "attention.head_outputs"), (head * n + query) * d, d);
        float[] out = slice(t.layer(layer, "residual_out"), query * h, h);
        return new MathView(a.tokens().get(query), a.tokens().get(key), layer, head, g, q, k, v, dot, terms,
                1 / Math.sqrt(d), score, max, Math.exp(score - max), sum, alpha,
                contribution, List.copyOf(nearest), z, out, sight(a, query, 3));
    }

    /**
     * The head of layer l whose α from query to key is largest (α = softmax of the query's score
     * row): what the math takes apart when the page is a blend or rollout, which has no single q·k.
     */
    public static int heaviestHead(Analysis a, int layer, int query, int key) {
        int best = 0;
        double bestWeight = -1;
        for (int h = 0; h < a.config().heads(); h++) {
            float[] row = a.scoreRow(layer, h, query);
            if (key < 0 || key >= row.length) throw new IllegalArgumentException("key index " + key + " is out of range 0.." + (row.length - 1));
            double max = Double.NEGATIVE_INFINITY, sum = 0;
            for (float s : row) max = Math.max(max, s);
            for (float s : row) sum += Math.exp(s - max);
            double weight = Math.exp(row[key] - max) / sum;
            if (weight > bestWeight) {
                bestWeight = weight;
                best = h;
            }
        }
        return best;
    }

    /** For layers 0 … L (L = the output), what position i's vector resembles among the inputs. */
    public static List<LayerSight> sight(Analysis a, int query, int top) {
        ModelConfig c = a.config();
        Trace t = a.trace();
        int n = a.length(), h = c.hiddenSize();
        float[] inputs = t.get("embeddings.output").data();
        List<LayerSight> out = new ArrayList<>(c.layers() + 1);
        for (int l = 0; l <= c.layers(); l++) {
            float[] x = l < c.layers() ? t.layer(l, "residual_in") : t.layer(l - 1, "residual_out");
            float[] vec = slice(x, query * h, h);
            List<Neighbour> like = new ArrayList<>();
            // A decoder's position i has seen only the tokens up to i; later ones are no company for it.
            int seen = c.decoder() ? query + 1 : n;
            for (double[] r : EmbeddingSpace.nearest(vec, inputs, seen, h, top)) {
                TokenRef tok = a.tokens().get((int) r[0]);
                like.add(new Neighbour(tok.id(), a.display(tok), tok.position(), r[1]));
            }
            out.add(new LayerSight(l, EmbeddingSpace.cosine(x, query * h, inputs, query * h, h), List.copyOf(like)));
        }
        return List.copyOf(out);
    }

    private static float[] slice(float[] a, int from, int len) {
        return Arrays.copyOfRange(a, from, from + len);
    }
}
