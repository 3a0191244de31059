package org.attentionsearch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Trace;
import org.attentionsearch.testing.OrtReference;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.weights.OnnxAttentionOutputs;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Results pages checked against numbers recomputed here, and against ONNX Runtime. */
class ResultsPageTest {

    private static final String TEXT = "I went to the bank to deposit money, then sat on the river bank.";
    private static Model bert;
    private static Analysis analysis;

    @BeforeAll
    static void analyse() {
        bert = TestModels.MINILM.model();
        analysis = Analysis.of(bert, TEXT);
    }

    @Test
    void pagesEqualSoftmaxOfTracedQueriesAndKeys() {
        ModelConfig c = bert.config();
        Trace t = analysis.trace();
        int n = analysis.length(), d = c.headSize();
        for (int layer = 0; layer < c.layers(); layer++) {
            float[] q = t.layer(layer, "attention.query"), k = t.layer(layer, "attention.key");
            for (int head = 0; head < c.heads(); head++) {
                for (int i = 0; i < n; i++) {
                    // Independent recomputation in double: s = q·k/√d, α = softmax(s).
                    double[] s = new double[n];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < n; j++) {
                        double dot = 0;
                        for (int x = 0; x < d; x++) dot += (double) q[(head * n + i) * d + x] * k[(head * n + j) * d + x];
                        s[j] = dot / Math.sqrt(d);
                        max = Math.max(max, s[j]);
                    }
                    for (int j = 0; j < n; j++) sum += Math.exp(s[j] - max);
                    ResultsPage page = analysis.page(new View.Head(layer, head), i, 0);
                    assertEquals(n, page.results().size());
                    assertEquals(n, page.keys());
                    double previous = Double.POSITIVE_INFINITY, entropy = 0;
                    for (Result r : page.results()) {
                        int j = r.key().position();
                        double alpha = Math.exp(s[j] - max) / sum;
                        assertEquals(s[j], r.score(), 1e-4);
                        assertEquals(alpha, r.weight(), 1e-6);
                        assertTrue(r.weight() <= previous, "ranked by weight");
                        previous = r.weight();
                        entropy -= alpha * Math.log(alpha);
                    }
                    assertEquals(Math.exp(entropy), page.effectiveResults(), 1e-4);
                    assertEquals(1.0, page.coveredWeight(), 1e-5);
                }
            }
        }
    }

    @Test
    void valueNormsEqualExplicitPerHeadComputation() {
        ModelConfig c = bert.config();
        int n = analysis.length(), h = c.hiddenSize(), d = c.headSize();
        var ck = bert.checkpoint();
        for (int layer : new int[] {0, c.layers() - 1}) {
            String p = "encoder.layer." + layer + ".";
            float[] wv = ck.tensor(p + "attention.self.value.weight").data();   // [out, in]
            float[] bv = ck.tensor(p + "attention.self.value.bias").data();
            float[] wo = ck.tensor(p + "attention.output.dense.weight").data(); // [out, in]
            float[] x = analysis.trace().layer(layer, "residual_in");
            for (int head : new int[] {0, 5, c.heads() - 1}) {
                // f(x_j) = (x_j W_V^h + b_V^h) W_O^h, straight from the checkpoint's tensors.
                double[] fNorm = new double[n];
                for (int j = 0; j < n; j++) {
                    double[] v = new double[d];
                    for (int e = 0; e < d; e++) {
                        int out = head * d + e;
                        double acc = bv[out];
                        for (int in = 0; in < h; in++) acc += (double) x[j * h + in] * wv[out * h + in];
                        v[e] = acc;
                    }
                    double norm = 0;
                    for (int out = 0; out < h; out++) {
                        double acc = 0;
                        for (int e = 0; e < d; e++) acc += v[e] * wo[out * h + head * d + e];
                        norm += acc * acc;
                    }
                    fNorm[j] = Math.sqrt(norm);
                }
                for (int i : new int[] {0, 5, n - 1}) {
                    ResultsPage page = analysis.page(new View.Head(layer, head), i, 0);
                    double total = 0;
                    for (Result r : page.results()) total += r.weight() * fNorm[r.key().position()];
                    for (Result r : page.results()) {
                        double expected = r.weight() * fNorm[r.key().position()];
                        assertEquals(expected, r.valueNorm(), 1e-4 * Math.max(1, expected));
                        assertEquals(expected / total, r.valueShare(), 1e-4);
                    }
                }
            }
        }
    }

    @Test
    void valueBlendEqualsExplicitSumOverHeads() {
        ModelConfig c = bert.config();
        int n = analysis.length(), h = c.hiddenSize(), d = c.headSize(), layer = 2;
        float[] alpha = analysis.trace().layer(layer, "attention.weights");
        float[] v = analysis.trace().layer(layer, "attention.value");
        float[] wo = bert.checkpoint().tensor("encoder.layer." + layer + ".attention.output.dense.weight").data();
        for (int i : new int[] {0, 5, n - 1}) {
            double[] norms = new double[n];
            double total = 0;
            for (int j = 0; j < n; j++) {
                // Σ_h α^h_ij · v_j^h W_O^h, in double, from the trace's values and the checkpoint's W_O [out, in].
                double[] u = new double[h];
                for (int head = 0; head < c.heads(); head++) {
                    double a = alpha[(head * n + i) * n + j];
                    for (int out = 0; out < h; out++) {
                        double acc = 0;
                        for (int e = 0; e < d; e++) acc += v[(head * n + j) * d + e] * wo[out * h + head * d + e];
                        u[out] += a * acc;
                    }
                }
                double s = 0;
                for (double x : u) s += x * x;
                norms[j] = Math.sqrt(s);
                total += norms[j];
            }
            for (Result r : analysis.page(new View.ValueBlend(layer), i, 0).results()) {
                int j = r.key().position();
                assertEquals(norms[j], r.valueNorm(), 1e-4 * Math.max(1, norms[j]));
                assertEquals(norms[j] / total, r.weight(), 1e-5);
            }
        }
    }

    @Test
    void pageWeightsEqualOnnxRuntimeAttention() throws Exception {
        var rewritten = OnnxAttentionOutputs.of(TestModels.MINILM.onnxBytes());
        int n = analysis.length(), heads = bert.config().heads();
        List<int[]> ids = List.of(analysis.tokens().stream().mapToInt(TokenRef::id).toArray());
        try (OrtReference ort = new OrtReference(rewritten.model())) {
            Map<String, float[]> ref = ort.run(ids, null, rewritten.outputs());
            for (int layer = 0; layer < bert.config().layers(); layer++) {
                float[] theirs = ref.get(rewritten.outputs().get(layer));
                for (int head = 0; head < heads; head++) {
                    for (int i = 0; i < n; i++) {
                        for (Result r : analysis.page(new View.Head(layer, head), i, 0).results()) {
                            double expected = theirs[(head * n + i) * n + r.key().position()];
                            assertEquals(expected, r.weight(), 1e-5);
                        }
                    }
                }
            }
        }
    }

    @Test
    void blendsAreDistributionsAndMeanIsTheMeanOfHeads() {
        int n = analysis.length(), heads = bert.config().heads();
        for (View v : List.of(new View.MeanBlend(2), new View.ValueBlend(2), new View.Rollout())) {
            for (int i = 0; i < n; i++) {
                double sum = 0;
                for (Result r : analysis.page(v, i, 0).results()) sum += r.weight();
                assertEquals(1.0, sum, 1e-4, v.label());
            }
        }
        for (int i = 0; i < n; i += 3) {
            for (Result r : analysis.page(new View.MeanBlend(4), i, 0).results()) {
                double mean = 0;
                for (int head = 0; head < heads; head++) {
                    mean += analysis.weights(new View.Head(4, head))[i * n + r.key().position()];
                }
                assertEquals(mean / heads, r.weight(), 1e-6);
            }
        }
    }

    @Test
    void jsonRoundTrips() throws Exception {
        List<ResultsPage> pages = new ArrayList<>();
        pages.addAll(analysis.pages(new View.Head(1, 3), 0));
        pages.add(analysis.page(new View.ValueBlend(2), 4, 5));
        pages.add(analysis.page(new View.Rollout(), 4, 5));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = new JsonFactory().createGenerator(bytes)) {
            g.writeStartObject();
            SearchJson.write(g, analysis, "all-MiniLM-L6-v2", pages, MathView.of(analysis, 1, 3, 4, 5, 4));
            g.writeEndObject();
        }
        JsonNode root = new ObjectMapper().readTree(bytes.toString(StandardCharsets.UTF_8));
        assertEquals(TEXT, root.get("text").asText());
        assertEquals(analysis.length(), root.get("tokens").size());
        for (int i = 0; i < analysis.length(); i++) {
            TokenRef t = analysis.tokens().get(i);
            JsonNode tok = root.get("tokens").get(i);
            assertEquals(t.id(), tok.get("id").asInt());
            assertEquals(t.text(), tok.get("text").asText());
            if (t.hasSpan()) assertEquals(t.start(), tok.get("start").asInt());
            else assertTrue(tok.get("start").isNull());
        }
        assertEquals(pages.size(), root.get("pages").size());
        for (int p = 0; p < pages.size(); p++) {
            ResultsPage page = pages.get(p);
            SearchJson.PageData read = SearchJson.readPage(root.get("pages").get(p));
            assertEquals(page.query().position(), read.query());
            assertEquals(page.view().headName(), read.head());
            assertEquals(page.keys(), read.keys());
            assertEquals(page.effectiveResults(), read.effectiveResults(), 0);
            assertEquals(page.results().size(), read.results().size());
            for (int r = 0; r < page.results().size(); r++) {
                Result mine = page.results().get(r);
                SearchJson.ResultData back = read.results().get(r);
                assertEquals(mine.key().position(), back.key());
                assertEquals(mine.weight(), back.weight(), 0);
                if (Double.isNaN(mine.score())) assertNull(back.score());
                else assertEquals(mine.score(), back.score(), 0);
            }
        }
        assertNull(SearchJson.readPage(root.get("pages").get(pages.size() - 1)).layer());
        assertEquals(4, root.get("math").get("query").asInt());
    }

    @Test
    void outOfRangeViewsAndTokensNameTheValidRange() {
        var e = assertThrows(IllegalArgumentException.class, () -> analysis.page(new View.Head(6, 0), 0, 3));
        assertTrue(e.getMessage().contains("0..5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> analysis.page(new View.Head(0, 12), 0, 3));
        assertTrue(e.getMessage().contains("0..11"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> analysis.page(new View.Head(0, 0), 99, 3));
        assertTrue(e.getMessage().contains("0.." + (analysis.length() - 1)), e.getMessage());
    }

    @Test
    void tokenLookupFindsBothBanks() {
        List<Integer> banks = TokenLookup.positions(analysis, "bank");
        assertEquals(2, banks.size());
        for (int i : banks) assertEquals("bank", TEXT.substring(analysis.tokens().get(i).start(), analysis.tokens().get(i).end()));
        assertTrue(TokenLookup.positions(analysis, "zebra").isEmpty());
    }

    /** A text whose attention would not fit is refused before the pass, in one sentence that says why. */
    @Test
    void analysesThatWouldNotFitAreRefusedUpFront() {
        ModelConfig c = bert.config();
        long need = Analysis.estimatedBytes(c, 512);
        assertTrue(need > 4L * c.layers() * c.heads() * 512 * 512, "at least the attention weights");
        Analysis.requireFits(c, 512, need);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Analysis.requireFits(c, 512, need - 1));
        assertTrue(e.getMessage().contains("512 tokens") && e.getMessage().contains("shorter text"), e.getMessage());
    }
}
