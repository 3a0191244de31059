package org.attentionsearch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Trace;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Sinks on real pages: the built-in BERT's marks against the rule recomputed here from the
 * trace's weights and values, and a small decoder built so that its first token parks the
 * attention.
 */
class SinkAnalysisTest {

    private static final String TEXT = "I went to the bank to deposit money, then sat on the river bank.";
    private static Model bert;
    private static Analysis analysis;

    @BeforeAll
    static void analyse() {
        bert = Model.embedded();
        analysis = Analysis.of(bert, TEXT);
    }

    @Test
    void bertsHeadMarksAreTheRuleRecomputedFromTheTrace() {
        ModelConfig c = bert.config();
        int n = analysis.length(), heads = c.heads();
        Map<String, Integer> marked = new TreeMap<>();
        int near = 0;
        for (int layer = 0; layer < c.layers(); layer++) {
            float[] alpha = analysis.trace().layer(layer, "attention.weights");
            double[][][] f = valueVectors(layer);
            for (int head = 0; head < heads; head++) {
                double[] fNorm = new double[n];
                for (int j = 0; j < n; j++) fNorm[j] = norm(f[head][j]);
                for (int i = 0; i < n; i++) {
                    // ρ_j = ‖f(x_j)‖ / (Σ_{k≠j} α_k ‖f(x_k)‖ / Σ_{k≠j} α_k), in double from the trace.
                    double[] a = new double[n], added = new double[n];
                    for (int j = 0; j < n; j++) {
                        a[j] = alpha[(head * n + i) * n + j];
                        added[j] = a[j] * fNorm[j];
                    }
                    for (Result r : analysis.page(new View.Head(layer, head), i, 0).results()) {
                        int j = r.key().position();
                        double rho = ratio(a, added, j);
                        if (Math.abs(a[j] - Sinks.MIN_WEIGHT) < 1e-5 || Math.abs(rho - Sinks.MAX_VALUE_RATIO) < 1e-3) {
                            near++; // too close to a threshold for float and double to agree
                            continue;
                        }
                        boolean expected = a[j] >= Sinks.MIN_WEIGHT && rho < Sinks.MAX_VALUE_RATIO;
                        assertEquals(expected, r.sink(), "layer " + layer + " head " + head + " query " + i + " key " + j
                                + ": α " + a[j] + ", ρ " + rho);
                        if (expected) marked.merge(r.key().text(), 1, Integer::sum);
                    }
                }
            }
        }
        assertTrue(near < 10, near + " marks too close to a threshold to check");
        // In MiniLM the sink is [CLS]: on most of its heads' pages it takes over 0.3 of the weight with a value
        // an order of magnitude weaker than the words'.
        System.out.println("sinks on the head pages of \"" + TEXT + "\": " + marked);
        int total = marked.values().stream().mapToInt(Integer::intValue).sum();
        assertTrue(marked.getOrDefault("[CLS]", 0) > c.layers() * heads * n / 4, marked.toString());
        assertTrue(total < c.layers() * heads * n, "not every page has a sink: " + total);
    }

    @Test
    void bothBlendsOfALayerMarkTheKeysOfTheRuleOnTheMeanWeightAndTheBlendedValue() {
        ModelConfig c = bert.config();
        int n = analysis.length(), heads = c.heads(), h = c.hiddenSize();
        int sinks = 0;
        for (int layer = 0; layer < c.layers(); layer++) {
            float[] alpha = analysis.trace().layer(layer, "attention.weights");
            double[][][] f = valueVectors(layer);
            for (int i = 0; i < n; i++) {
                double[] mean = new double[n], added = new double[n];
                for (int j = 0; j < n; j++) {
                    double[] u = new double[h];
                    for (int head = 0; head < heads; head++) {
                        double a = alpha[(head * n + i) * n + j];
                        mean[j] += a / heads;
                        for (int x = 0; x < h; x++) u[x] += a * f[head][j][x];
                    }
                    added[j] = norm(u);
                }
                Result[] byKeyMean = byKey(analysis.page(new View.MeanBlend(layer), i, 0), n);
                Result[] byKeyValue = byKey(analysis.page(new View.ValueBlend(layer), i, 0), n);
                for (int j = 0; j < n; j++) {
                    double rho = ratio(mean, added, j);
                    if (Math.abs(mean[j] - Sinks.MIN_WEIGHT) < 1e-5 || Math.abs(rho - Sinks.MAX_VALUE_RATIO) < 1e-3) continue;
                    boolean expected = mean[j] >= Sinks.MIN_WEIGHT && rho < Sinks.MAX_VALUE_RATIO;
                    assertEquals(expected, byKeyMean[j].sink(), "mean blend, layer " + layer + " query " + i + " key " + j);
                    assertEquals(expected, byKeyValue[j].sink(), "value blend, layer " + layer + " query " + i + " key " + j);
                    if (expected) sinks++;
                }
            }
        }
        assertTrue(sinks > n, "the blends mark sinks too: " + sinks);
        for (int i = 0; i < n; i++) {
            for (Result r : analysis.page(new View.Rollout(), i, 0).results()) assertFalse(r.sink(), "rollout marks none");
        }
    }

    @Test
    void withoutSinksDividesTheOtherWeightsByOneMinusTheSinksWeight() {
        int n = analysis.length();
        int renormalised = 0;
        for (View view : List.of(new View.Head(2, 0), new View.Head(3, 7), new View.Head(5, 11), new View.MeanBlend(3),
                new View.ValueBlend(3))) {
            for (int i = 0; i < n; i++) {
                ResultsPage page = analysis.page(view, i, 0);
                double sinkWeight = 0;
                int sinkKeys = 0;
                for (Result r : page.results()) {
                    if (r.sink()) {
                        sinkWeight += r.weight();
                        sinkKeys++;
                    }
                }
                ResultsPage without = page.withoutSinks();
                assertEquals(sinkKeys, without.sinksLeftOut().keys().size());
                assertEquals(sinkWeight, without.sinksLeftOut().weight(), 1e-12);
                assertEquals(page.keys() - sinkKeys, without.keys());
                Result[] before = byKey(page, n);
                double sum = 0;
                for (Result r : without.results()) {
                    assertFalse(r.sink());
                    // The float row sums to 1 within about 1e-6, which the division by 1 − m magnifies.
                    assertEquals(before[r.key().position()].weight() / (1 - sinkWeight), r.weight(), 2e-6 / (1 - sinkWeight));
                    sum += r.weight();
                }
                assertEquals(1.0, sum, 1e-5, "the weights left sum to 1");
                ResultsPage top = without.top(5);
                double shown = 0;
                for (Result r : top.results()) shown += r.weight();
                assertEquals(shown, top.coveredWeight(), 1e-12);
                assertTrue(shown <= 1 + 1e-9, "shown " + shown);
                if (sinkKeys > 0) renormalised++;
            }
        }
        assertTrue(renormalised > n, "pages with a sink left out: " + renormalised);
    }

    /**
     * A Llama whose first token's value is near zero and whose key every query finds: the
     * embedding puts token 0 alone on dimensions 0 and 1 (every other token shares dimension 1),
     * each head's query dimension 7 reads dimension 1, each key dimension 7 reads dimension 0
     * (rotary positions barely turn that slowest pair), and W_V all but ignores dimensions 0 and 1.
     */
    @Test
    void aDecodersFirstTokenThatParksTheAttentionIsMarked() {
        Model decoder = Model.load(parkingDecoder());
        int[] ids = {5, 17, 42, 8, 63, 29, 71, 11};
        int n = ids.length;
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) tokens[i] = "t" + ids[i];
        int[] none = new int[n];
        Arrays.fill(none, -1);
        Encoding encoding = new Encoding(ids, new int[n], tokens, none, none.clone());
        Analysis a = Analysis.of(decoder, new Model.Tokenized("", encoding, 0));
        ModelConfig c = decoder.config();

        // By construction the first token's value is near zero, the others' are not.
        float[] v = a.trace().layer(0, "attention.value");
        int d = c.headSize();
        for (int g = 0; g < c.kvHeads(); g++) {
            double first = norm(Arrays.copyOfRange(v, (g * n) * d, (g * n + 1) * d));
            for (int j = 1; j < n; j++) {
                assertTrue(first < 0.01 * norm(Arrays.copyOfRange(v, (g * n + j) * d, (g * n + j + 1) * d)), "kv head " + g + " key " + j);
            }
        }
        float[] alpha = a.trace().layer(0, "attention.weights");
        for (View view : List.of(new View.Head(0, 0), new View.Head(0, 1), new View.Head(0, 2), new View.Head(0, 3),
                new View.MeanBlend(0), new View.ValueBlend(0))) {
            assertFalse(a.page(view, 0, 0).results().getFirst().sink(), "the first query sees only itself: nothing to compare");
            for (int i = 1; i < n; i++) {
                ResultsPage page = a.page(view, i, 0);
                for (Result r : page.results()) {
                    assertEquals(r.key().position() == 0, r.sink(), view.label() + ", query " + i + ", key " + r.key().position());
                }
                if (!(view instanceof View.Head h)) continue;
                double parked = alpha[(h.head() * n + i) * n];
                assertTrue(parked > 0.9, "the head parks its attention on token 0: " + parked);
                assertEquals(0, page.results().getFirst().key().position());
                ResultsPage without = page.withoutSinks();
                assertEquals(List.of(a.tokens().getFirst()), without.sinksLeftOut().keys());
                assertEquals(i, without.keys());
                for (Result r : without.results()) {
                    double raw = alpha[(h.head() * n + i) * n + r.key().position()];
                    assertEquals(raw / (1 - parked), r.weight(), 1e-4 * r.weight() + 1e-6);
                }
            }
        }
    }

    /** The same decoder's streamed pages, and the pages of tokens it generates, mark the same keys. */
    @Test
    void streamedAndGeneratedPagesMarkTheSameSinks() {
        Model decoder = Model.load(parkingDecoder());
        int[] ids = {5, 17, 42, 8, 63, 29, 71, 11};
        int n = ids.length;
        String[] tokens = new String[n];
        Arrays.fill(tokens, "t");
        int[] none = new int[n];
        Arrays.fill(none, -1);
        Encoding encoding = new Encoding(ids, new int[n], tokens, none, none.clone());
        Model.Tokenized text = new Model.Tokenized("", encoding, 0);
        Analysis full = Analysis.of(decoder, text);
        Analysis streamed = Analysis.of(decoder, List.of(text), new Streaming(true, Long.MAX_VALUE)).getFirst();
        for (View view : List.of(new View.Head(0, 1), new View.MeanBlend(0), new View.ValueBlend(0))) {
            for (int i = 0; i < n; i++) {
                List<Result> want = full.page(view, i, 5).results(), got = streamed.page(view, i, 5).results();
                for (int r = 0; r < want.size(); r++) {
                    assertEquals(want.get(r).sink(), got.get(r).sink(), view.label() + ", streamed query " + i + ", rank " + r);
                }
            }
            int[] prompt = Arrays.copyOf(ids, 3);
            Encoding start = new Encoding(prompt, new int[3], new String[] {"t", "t", "t"}, new int[] {-1, -1, -1}, new int[] {-1, -1, -1});
            Generation g = Generation.of(decoder, "", start, new Generation.Settings(4, org.attentionsearch.model.Sampler.Settings.greedy(),
                    null, view, 0, 0));
            for (Generation.Step step : g) {
                for (Result r : step.page().results()) {
                    assertEquals(r.key().position() == 0, r.sink(), view.label() + ", generated position " + step.position());
                }
            }
        }
    }

    @Test
    void jsonCarriesTheMarksAndTheSinksLeftOut() throws Exception {
        View head = null;
        for (int h = 0; head == null; h++) {
            if (analysis.page(new View.Head(2, h), 4, 0).results().stream().anyMatch(Result::sink)) head = new View.Head(2, h);
        }
        List<ResultsPage> pages = List.of(analysis.page(head, 4, 0), analysis.page(head, 4, 0).withoutSinks().top(5),
                analysis.page(new View.Rollout(), 4, 3));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(bytes)) {
            g.writeStartObject();
            SearchJson.write(g, analysis, "all-MiniLM-L6-v2", pages, null);
            g.writeEndObject();
        }
        JsonNode root = new ObjectMapper().readTree(bytes.toString(StandardCharsets.UTF_8));
        JsonNode asComputed = root.get("pages").get(0), without = root.get("pages").get(1), rollout = root.get("pages").get(2);

        assertFalse(asComputed.has("sinksLeftOut"), "a page as the model computed it says nothing of sinks left out");
        SearchJson.PageData read = SearchJson.readPage(asComputed);
        assertNull(read.sinksLeftOut());
        for (int r = 0; r < read.results().size(); r++) {
            assertEquals(pages.getFirst().results().get(r).sink(), read.results().get(r).sink());
            assertTrue(asComputed.get("results").get(r).get("sink").isBoolean(), "written true or false");
        }

        SearchJson.PageData w = SearchJson.readPage(without);
        ResultsPage.SinksLeftOut left = pages.get(1).sinksLeftOut();
        assertEquals(left.keys().stream().map(TokenRef::position).toList(), w.sinksLeftOut().keys());
        assertEquals(left.weight(), w.sinksLeftOut().weight(), 0);
        assertEquals(pages.get(1).keys(), w.keys());
        assertEquals(5, w.results().size());
        for (SearchJson.ResultData r : w.results()) assertEquals(Boolean.FALSE, r.sink());

        for (SearchJson.ResultData r : SearchJson.readPage(rollout).results()) assertNull(r.sink(), "rollout cannot tell: null");
        assertTrue(rollout.get("results").get(0).has("sink"));
    }

    // ---------- independent arithmetic ----------

    /** f^h(x_j) = v_j^h W_O^h for every head and key, in double, from the trace's values and the checkpoint's W_O [out, in]. */
    private static double[][][] valueVectors(int layer) {
        ModelConfig c = bert.config();
        int n = analysis.length(), h = c.hiddenSize(), d = c.headSize();
        float[] v = analysis.trace().layer(layer, "attention.value");
        float[] wo = bert.checkpoint().tensor("encoder.layer." + layer + ".attention.output.dense.weight").data();
        double[][][] f = new double[c.heads()][n][h];
        for (int head = 0; head < c.heads(); head++) {
            for (int j = 0; j < n; j++) {
                for (int out = 0; out < h; out++) {
                    double acc = 0;
                    for (int e = 0; e < d; e++) acc += (double) v[(head * n + j) * d + e] * wo[out * h + head * d + e];
                    f[head][j][out] = acc;
                }
            }
        }
        return f;
    }

    /** What key j adds per unit of weight over what the other keys add per unit of theirs. */
    private static double ratio(double[] weight, double[] added, int j) {
        double otherWeight = 0, otherAdded = 0;
        for (int k = 0; k < weight.length; k++) {
            if (k == j) continue;
            otherWeight += weight[k];
            otherAdded += added[k];
        }
        return (added[j] / weight[j]) / (otherAdded / otherWeight);
    }

    private static double norm(double[] x) {
        double s = 0;
        for (double v : x) s += v * v;
        return Math.sqrt(s);
    }

    private static double norm(float[] x) {
        double s = 0;
        for (float v : x) s += (double) v * v;
        return Math.sqrt(s);
    }

    private static Result[] byKey(ResultsPage page, int n) {
        Result[] out = new Result[n];
        for (Result r : page.results()) out[r.key().position()] = r;
        for (Result r : out) assertNotNull(r);
        return out;
    }

    /** RandomDecoders' Llama with layer 0 rewired as the javadoc of the test above describes. */
    private static Checkpoint parkingDecoder() {
        Checkpoint random = RandomDecoders.checkpoint(RandomDecoders.llama(), 31);
        ModelConfig c = random.config();
        int h = c.hiddenSize(), d = c.headSize(), first = 5;
        float[] embed = random.tensor("model.embed_tokens.weight").data();
        for (int id = 0; id < c.vocabSize(); id++) {
            if (id == first) Arrays.fill(embed, id * h, (id + 1) * h, 0f);
            embed[id * h] = id == first ? 8f : 0f;
            embed[id * h + 1] = 3f;
        }
        String a = "model.layers.0.self_attn.";
        float[] q = random.tensor(a + "q_proj.weight").data(), k = random.tensor(a + "k_proj.weight").data();
        float[] v = random.tensor(a + "v_proj.weight").data();
        for (int i = 0; i < q.length; i++) q[i] *= 0.2f;
        for (int i = 0; i < k.length; i++) k[i] *= 0.2f;
        for (int row = 0; row < c.keyValueWidth(); row++) {
            k[row * h] = 0f;                 // no key reads dimension 0 …
            v[row * h] *= 1e-3f;             // … and the values all but ignore dimensions 0 and 1
            v[row * h + 1] *= 1e-3f;
        }
        // Rotary pairs c with c + d/2 and turns pair 7 (of 8) slowest: put the parking there.
        for (int head = 0; head < c.heads(); head++) {
            int row = head * d + 7;
            Arrays.fill(q, row * h, (row + 1) * h, 0f);
            Arrays.fill(q, (row + d / 2) * h, (row + d / 2 + 1) * h, 0f);
            q[row * h + 1] = 1f;             // query dimension 7 = the shared dimension 1
        }
        for (int g = 0; g < c.kvHeads(); g++) {
            int row = g * d + 7;
            Arrays.fill(k, row * h, (row + 1) * h, 0f);
            Arrays.fill(k, (row + d / 2) * h, (row + d / 2 + 1) * h, 0f);
            k[row * h] = 1f;                 // key dimension 7 = dimension 0, token 0's alone
        }
        return random;
    }
}
