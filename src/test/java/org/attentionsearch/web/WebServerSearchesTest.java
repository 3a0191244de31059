package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.NextTokens;
import org.attentionsearch.search.Result;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Several models in one server, and the searches across a model: which heads make X find Y
 * (against a scan of every head's page), two tokens' meanings compared (against cosines
 * computed here from the trace), next-token predictions and the logit lens, and pages with
 * sinks or special tokens left out.
 */
class WebServerSearchesTest {

    static final String TEXT = "The animal didn't cross the street because it was too tired.";
    private static Model bert;
    private static Model decoder;
    private static WebServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        bert = TestModels.MINILM.model();
        decoder = Model.load(SyntheticModels.gguf(SyntheticModels.gpt2()));
        server = WebServer.start(ServedModel.named(List.of("all-MiniLM-L6-v2", "gpt2.gguf"), List.of(bert, decoder)),
                "127.0.0.1", 0, WebServer.Limits.defaults());
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        assertEquals(0, server.internalErrors());
        server.close();
    }

    @Test
    void modelsListsEveryModelAndRequestsNameOneById() {
        JsonNode all = http.get("/api/models").json();
        assertEquals("all-minilm-l6-v2", all.get("default").asText());
        JsonNode models = all.get("models");
        assertEquals(2, models.size());
        JsonNode gpt2 = models.get(1);
        assertEquals("gpt2.gguf", gpt2.get("id").asText());
        assertEquals("gpt2", gpt2.get("family").asText());
        assertTrue(gpt2.get("decoder").asBoolean());
        assertEquals(2, gpt2.get("layers").asInt());
        assertEquals(4, gpt2.get("heads").asInt());
        assertEquals(4, gpt2.get("kvHeads").asInt());
        assertEquals(512, gpt2.get("contextLength").asInt());
        assertEquals(512, models.get(0).get("contextLength").asInt());
        assertEquals(gpt2, http.get("/api/model?model=gpt2.gguf").json());
        assertEquals(400, http.get("/api/model?model=..%2Fetc%2Fpasswd").status());

        assertFalse(http.analyze("{\"text\": \"The river bank\", \"query\": 1}").get("causal").asBoolean());
        JsonNode d = http.analyze("{\"model\": \"gpt2.gguf\", \"text\": \"The river bank\", \"query\": 1}");
        assertTrue(d.get("causal").asBoolean());
        assertEquals("gpt2.gguf", d.get("model").asText());
        Http.Answer unknown = http.post("/api/analyze", "{\"model\": \"/tmp/other.gguf\", \"text\": \"The river bank\"}");
        assertEquals(400, unknown.status());
        assertTrue(unknown.json().get("error").asText().contains("all-minilm-l6-v2, gpt2.gguf"), unknown.body());
    }

    @Test
    void theHeadsSearchEqualsAScanOfEveryHeadsPage() {
        Analysis a = Analysis.of(bert, TEXT);
        int it = 10, animal = 2;
        assertEquals("it", a.tokens().get(it).text());
        assertEquals("animal", a.tokens().get(animal).text());
        JsonNode answer = http.post("/api/heads", "{\"text\": " + WebServerTest.quote(TEXT) + ", \"query\": " + it
                + ", \"key\": " + animal + "}").json();
        assertEquals(it, answer.get("query").asInt());
        assertEquals(animal, answer.get("key").asInt());
        assertEquals(a.length(), answer.get("tokens").size());

        record Row(int layer, int head, double weight, double score, double valueNorm, int pageRank) {
        }
        List<Row> scan = new ArrayList<>();
        for (int l = 0; l < 6; l++) {
            for (int h = 0; h < 12; h++) {
                ResultsPage page = a.page(new View.Head(l, h), it, 0);
                for (Result r : page.results()) {
                    if (r.key().position() == animal) scan.add(new Row(l, h, r.weight(), r.score(), r.valueNorm(), r.rank()));
                }
            }
        }
        scan.sort(Comparator.comparingDouble((Row r) -> -r.weight()).thenComparingInt(Row::layer).thenComparingInt(Row::head));
        JsonNode heads = answer.get("heads");
        assertEquals(72, heads.size());
        for (int r = 0; r < scan.size(); r++) {
            Row expected = scan.get(r);
            JsonNode got = heads.get(r);
            String where = "rank " + (r + 1);
            assertEquals(r + 1, got.get("rank").asInt(), where);
            assertEquals(expected.layer(), got.get("layer").asInt(), where);
            assertEquals(expected.head(), got.get("head").asInt(), where);
            assertEquals(expected.weight(), got.get("weight").asDouble(), 0.0, where);
            assertEquals(expected.score(), got.get("score").asDouble(), 1e-6, where);
            assertEquals(expected.valueNorm(), got.get("valueNorm").asDouble(), 1e-5 * Math.max(1, expected.valueNorm()), where);
            assertEquals(expected.pageRank(), got.get("pageRank").asInt(), where);
        }
        // A decoder's query cannot find a later key.
        Http.Answer later = http.post("/api/heads", "{\"model\": \"gpt2.gguf\", \"text\": " + WebServerTest.quote(TEXT)
                + ", \"query\": 1, \"key\": 3}");
        assertEquals(400, later.status());
        assertTrue(later.json().get("error").asText().contains("cannot see"), later.body());
    }

    @Test
    void comparingTwoTokensGivesTheCosineOfTheirResidualStreamsAtEveryLayer() {
        String text = WebServerTest.TEXT; // two "bank"s, at 5 and 15
        Analysis a = Analysis.of(bert, text);
        assertEquals("bank", a.tokens().get(5).text());
        assertEquals("bank", a.tokens().get(15).text());
        JsonNode c = http.post("/api/compare", "{\"text\": " + WebServerTest.quote(text) + ", \"a\": 5, \"b\": 15}").json();
        JsonNode layers = c.get("layers");
        assertEquals(7, layers.size());
        assertTrue(layers.get(0).get("layer").isNull(), "first the input embeddings");
        for (int l = -1; l < 6; l++) {
            float[] x = l < 0 ? a.trace().get("embeddings.output").data() : a.trace().layer(l, "residual_out");
            assertEquals(cosine(x, 5, x, 15, 384), layers.get(l + 1).get("cosine").asDouble(), 1e-9, "layer " + l);
            if (l >= 0) assertEquals(l, layers.get(l + 1).get("layer").asInt());
        }
        // The same word in two texts: without "b", the other text's token that reads the same.
        String other = "She sat on the bank of the river.";
        JsonNode two = http.post("/api/compare", "{\"text\": " + WebServerTest.quote(text) + ", \"a\": 5, \"otherText\": "
                + WebServerTest.quote(other) + "}").json();
        Analysis b = Analysis.of(bert, other);
        assertEquals(5, two.get("b").asInt());
        assertEquals("bank", two.get("otherTokens").get(5).get("text").asText());
        float[] x = a.trace().layer(5, "residual_out"), y = b.trace().layer(5, "residual_out");
        assertEquals(cosine(x, 5, y, 5, 384), two.get("layers").get(6).get("cosine").asDouble(), 1e-9);
        Http.Answer missing = http.post("/api/compare", "{\"text\": " + WebServerTest.quote(text) + ", \"a\": 7, \"otherText\": "
                + WebServerTest.quote(other) + "}");
        assertEquals(400, missing.status(), missing.body());
        assertEquals(400, http.post("/api/compare", "{\"text\": \"bank\", \"a\": 1}").status(), "b is needed within one text");
    }

    @Test
    void aDecodersPageCarriesItsNextTokensAndTheLogitLens() {
        String text = "The river bank flooded after the rain";
        JsonNode d = http.analyze("{\"model\": \"gpt2.gguf\", \"text\": " + WebServerTest.quote(text) + ", \"query\": 3, \"next\": true}");
        JsonNode next = d.get("next");
        Analysis a = Analysis.of(decoder, text);
        NextTokens.Position expected = NextTokens.of(decoder, a.trace(), 5, true).get(3);
        assertEquals(3, next.get("position").asInt());
        assertEquals(2, next.get("lens").size());
        for (int p = 0; p < 5; p++) {
            assertEquals(expected.predictions().get(p).id(), next.get("predictions").get(p).get("id").asInt());
            assertEquals(expected.predictions().get(p).probability(), next.get("predictions").get(p).get("probability").asDouble(), 1e-9);
            for (int l = 0; l < 2; l++) {
                assertEquals(expected.lens().get(l).predictions().get(p).id(),
                        next.get("lens").get(l).get("predictions").get(p).get("id").asInt());
            }
        }
        assertEquals(400, http.post("/api/analyze", "{\"text\": \"bank\", \"query\": 1, \"next\": true}").status(),
                "an encoder predicts no next token");
    }

    @Test
    void pagesWithoutSinksOrSpecialTokensAreRenormalisedAndSaySo() {
        Analysis a = Analysis.of(bert, WebServerTest.TEXT);
        JsonNode d = http.analyze("{\"text\": " + WebServerTest.quote(WebServerTest.TEXT)
                + ", \"layer\": 2, \"head\": 1, \"query\": 5, \"top\": 5, \"withoutSinks\": true, \"withoutSpecialTokens\": true}");
        ResultsPage full = a.page(new View.Head(2, 1), 5, 0).withoutSinks();
        var rest = full.leaveOut(r -> !r.key().hasSpan());
        JsonNode page = d.get("pages").get(0);
        assertEquals(rest.page().keys(), page.get("keys").asInt());
        for (int r = 0; r < 5; r++) {
            JsonNode got = page.get("results").get(r);
            assertEquals(rest.page().results().get(r).key().position(), got.get("key").asInt());
            assertEquals(rest.page().results().get(r).weight(), got.get("weight").asDouble(), 1e-12);
            assertTrue(got.get("key").asInt() != 0 && got.get("key").asInt() != a.length() - 1, "no [CLS], no [SEP]");
        }
        assertTrue(page.has("sinksLeftOut"), page.toString());
        JsonNode specials = d.get("specialTokensLeftOut").get(0);
        assertEquals(5, specials.get("query").asInt());
        assertEquals(rest.weight(), specials.get("weight").asDouble(), 1e-12);
        double sum = 0;
        for (Result r : rest.page().results()) sum += r.weight();
        assertEquals(1, sum, 1e-9, "what is left sums to 1 again");
        assertNull(http.analyze("{\"text\": \"bank\", \"query\": 1}").get("specialTokensLeftOut"));
    }

    @Test
    void theGridsSinkCellsAreThePagesSinks() {
        JsonNode d = http.analyze("{\"text\": " + WebServerTest.quote(WebServerTest.TEXT) + ", \"query\": 1, \"attention\": true}");
        Analysis a = Analysis.of(bert, WebServerTest.TEXT);
        JsonNode cells = d.get("attentionSinks").get("cells");
        int marked = 0;
        for (int l = 0; l < 6; l++) {
            for (int h = 0; h < 12; h++) {
                Set<List<Integer>> got = new HashSet<>(), expected = new HashSet<>();
                JsonNode flat = cells.get(l).get(h);
                for (int x = 0; x < flat.size(); x += 2) got.add(List.of(flat.get(x).asInt(), flat.get(x + 1).asInt()));
                for (int i = 0; i < a.length(); i++) {
                    for (Result r : a.page(new View.Head(l, h), i, 0).results()) {
                        if (r.sink()) expected.add(List.of(i, r.key().position()));
                    }
                }
                assertEquals(expected, got, "layer " + l + ", head " + h);
                marked += got.size();
            }
        }
        assertTrue(marked > 100, "MiniLM parks much of its attention: " + marked);
    }

    /** cos(x_i, y_j) in double, written out here. */
    private static double cosine(float[] x, int i, float[] y, int j, int h) {
        double dot = 0, xx = 0, yy = 0;
        for (int c = 0; c < h; c++) {
            double p = x[i * h + c], q = y[j * h + c];
            dot += p * q;
            xx += p * p;
            yy += q * q;
        }
        return dot / Math.sqrt(xx * yy);
    }
}
