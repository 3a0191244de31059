package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Flow;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Result;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The JSON API over real HTTP: answers equal the library's pages, and every refusal is clear JSON. */
class WebServerTest {

    static final String TEXT = "I went to the bank to deposit money, then sat on the river bank.";
    private static Model bert;
    private static WebServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        bert = TestModels.MINILM.model();
        server = WebServer.start(bert, "all-MiniLM-L6-v2", "127.0.0.1", 0, WebServer.Limits.defaults());
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        assertEquals(0, server.internalErrors());
        server.close();
    }

    @Test
    void modelDescribesTheArchitecture() {
        JsonNode m = http.get("/api/model").json();
        assertEquals("all-MiniLM-L6-v2", m.get("model").asText());
        assertEquals(6, m.get("layers").asInt());
        assertEquals(12, m.get("heads").asInt());
        assertEquals(384, m.get("hidden").asInt());
        assertEquals(30522, m.get("vocabSize").asInt());
        assertEquals(512, m.get("maxPositions").asInt());
    }

    @Test
    void onePageEqualsTheLibrarysPage() {
        JsonNode a = http.analyze("{\"text\": " + quote(TEXT) + ", \"layer\": 3, \"head\": 7, \"query\": 5}");
        Analysis direct = Analysis.of(bert, TEXT);
        ResultsPage expected = direct.page(new View.Head(3, 7), 5, 10);
        assertEquals(direct.length(), a.get("tokens").size());
        JsonNode page = a.get("pages").get(0);
        assertEquals(1, a.get("pages").size());
        assertEquals(5, page.get("query").asInt());
        assertEquals(3, page.get("layer").asInt());
        assertEquals(7, page.get("head").asInt());
        assertEquals(expected.keys(), page.get("keys").asInt());
        List<Result> results = expected.results();
        assertEquals(results.size(), page.get("results").size());
        for (int r = 0; r < results.size(); r++) {
            JsonNode got = page.get("results").get(r);
            assertEquals(results.get(r).key().position(), got.get("key").asInt());
            assertEquals(results.get(r).weight(), got.get("weight").asDouble(), 1e-6);
            assertEquals(results.get(r).score(), got.get("score").asDouble(), 1e-5);
            assertEquals(results.get(r).snippet().match(), got.get("snippet").get("match").asText());
            assertEquals(results.get(r).sink(), got.get("sink").booleanValue());
        }
        assertTrue(results.stream().anyMatch(Result::sink), "[CLS] parks this head's attention");
        assertTrue(a.get("math") == null, "no math unless asked");
    }

    @Test
    void everyTokensPageByDefaultAndBlendsAndRollout() {
        JsonNode all = http.analyze("{\"text\": " + quote(TEXT) + "}");
        assertEquals(all.get("tokens").size(), all.get("pages").size());
        assertEquals("value", all.get("pages").get(0).get("head").asText());
        assertEquals(2, all.get("pages").get(0).get("layer").asInt(), "the middle layer by default");

        JsonNode mean = http.analyze("{\"text\": " + quote(TEXT) + ", \"layer\": 1, \"head\": \"mean\", \"query\": 2, \"top\": 3}");
        assertEquals("mean", mean.get("pages").get(0).get("head").asText());
        assertEquals(3, mean.get("pages").get(0).get("results").size());
        assertTrue(mean.get("pages").get(0).get("results").get(0).get("score").isNull());

        JsonNode rollout = http.analyze("{\"text\": " + quote(TEXT) + ", \"head\": \"rollout\", \"query\": 2, \"top\": \"all\"}");
        JsonNode page = rollout.get("pages").get(0);
        assertTrue(page.get("layer").isNull());
        assertEquals(rollout.get("tokens").size(), page.get("results").size());
        for (JsonNode r : page.get("results")) assertTrue(r.get("sink").isNull(), "rollout marks no sinks");
    }

    @Test
    void mathTakesOneResultApart() {
        JsonNode a = http.analyze("{\"text\": " + quote(TEXT) + ", \"layer\": 4, \"head\": 2, \"query\": 5,"
                + " \"math\": {\"key\": 3}}");
        JsonNode m = a.get("math");
        assertEquals(5, m.get("query").asInt());
        assertEquals(3, m.get("key").asInt());
        assertEquals(4, m.get("layer").asInt());
        assertEquals(2, m.get("head").asInt());
        assertEquals(32, m.get("q").size());
        assertEquals(7, m.get("sight").size(), "layers 0..5 and the output");
        double weight = m.get("weight").asDouble();
        assertEquals(m.get("shiftedExp").asDouble() / m.get("rowSum").asDouble(), weight, 1e-5);

        JsonNode byDefault = http.analyze("{\"text\": " + quote(TEXT) + ", \"layer\": 4, \"head\": 2, \"query\": 5, \"math\": true}");
        assertEquals(a.get("pages").get(0).get("results").get(0).get("key").asInt(), byDefault.get("math").get("key").asInt(),
                "by default the math takes the top result apart");
    }

    /**
     * A blend has no single q·k: as `explain --math` does, the math takes apart the page's top key
     * under the head of that layer that gives it the most weight, and says so ("headChoice"); it
     * took apart head 0 whatever the key. The heaviest head is found here from every head's own page.
     */
    @Test
    void theMathOfABlendTakesApartTheHeadThatGivesItsKeyTheMostWeight() {
        int query = 6, layer = 2; // the second "to"
        for (String blend : new String[] {"\"value\"", "\"mean\""}) {
            JsonNode a = http.analyze("{\"text\": " + quote(TEXT) + ", \"layer\": " + layer + ", \"head\": " + blend
                    + ", \"query\": " + query + ", \"math\": true}");
            int key = a.get("pages").get(0).get("results").get(0).get("key").asInt();
            int heaviest = heaviestHead(layer, query, key);
            assertTrue(heaviest != 0, "a query whose heaviest head is not head 0, so that the choice shows");
            JsonNode m = a.get("math");
            assertEquals(key, m.get("key").asInt(), blend + ": the page's top result");
            assertEquals(layer, m.get("layer").asInt());
            assertEquals(heaviest, m.get("head").asInt(), blend + ": the head that gives the key the most weight");
            assertEquals("heaviest", m.get("headChoice").asText());
        }
        // Rollout: the last layer's heaviest head.
        JsonNode r = http.analyze("{\"text\": " + quote(TEXT) + ", \"head\": \"rollout\", \"query\": " + query + ", \"math\": true}");
        int key = r.get("pages").get(0).get("results").get(0).get("key").asInt();
        assertEquals(5, r.get("math").get("layer").asInt());
        assertEquals(heaviestHead(5, query, key), r.get("math").get("head").asInt());
        assertEquals("heaviest", r.get("math").get("headChoice").asText());
        // A head asked for is taken apart as asked, and a single head's page takes apart its own head.
        JsonNode asked = http.analyze("{\"text\": " + quote(TEXT) + ", \"layer\": 2, \"query\": " + query + ", \"math\": {\"head\": 7}}");
        assertEquals(7, asked.get("math").get("head").asInt());
        assertEquals("asked", asked.get("math").get("headChoice").asText());
        JsonNode own = http.analyze("{\"text\": " + quote(TEXT) + ", \"layer\": 2, \"head\": 4, \"query\": " + query + ", \"math\": true}");
        assertEquals(4, own.get("math").get("head").asInt());
        assertEquals("page", own.get("math").get("headChoice").asText());
    }

    /** The head whose own page gives the key the largest attention weight from the query. */
    private static int heaviestHead(int layer, int query, int key) {
        int best = -1;
        double bestWeight = -1;
        for (int h = 0; h < 12; h++) {
            JsonNode page = http.analyze("{\"text\": " + quote(TEXT) + ", \"layer\": " + layer + ", \"head\": " + h
                    + ", \"query\": " + query + ", \"top\": \"all\"}").get("pages").get(0);
            for (JsonNode res : page.get("results")) {
                if (res.get("key").asInt() == key && res.get("weight").asDouble() > bestWeight) {
                    bestWeight = res.get("weight").asDouble();
                    best = h;
                }
            }
        }
        return best;
    }

    @Test
    void attentionMapsForEveryLayerAndHead() {
        JsonNode a = http.analyze("{\"text\": " + quote(TEXT) + ", \"query\": 0, \"attention\": true}");
        JsonNode att = a.get("attention");
        int n = a.get("tokens").size();
        assertEquals(n, att.get("tokens").asInt());
        assertEquals(n, att.get("cells").asInt());
        assertEquals(6, att.get("weights").size());
        assertEquals(12, att.get("weights").get(0).size());
        JsonNode map = att.get("weights").get(3).get(7);
        assertEquals(n * n, map.size());
        float[] exact = Analysis.of(bert, TEXT).weights(new View.Head(3, 7));
        for (int x = 0; x < n * n; x++) assertEquals(exact[x], map.get(x).asDouble(), 0.0005 + 1e-9);
    }

    @Test
    void longTextsAreCutWithANotice() {
        String text = "word ".repeat(700);
        JsonNode a = http.analyze("{\"text\": " + quote(text) + ", \"query\": 1, \"top\": 2, \"attention\": true}");
        assertEquals(512, a.get("tokens").size());
        assertEquals(190, a.get("truncatedTokens").asInt());
        assertTrue(a.get("notice").asText().contains("190"), a.get("notice").asText());
        int cells = a.get("attention").get("cells").asInt();
        assertTrue(cells < 512 && 6 * 12 * cells * cells <= AnalyzeApi.MAX_ATTENTION_CELLS, "long maps are pooled: " + cells);
    }

    @Test
    void secondLookAtATextComesFromTheCache() {
        String text = "A cache keeps the trace of this sentence.";
        assertFalse(http.analyze("{\"text\": " + quote(text) + ", \"query\": 1}").get("cached").asBoolean());
        assertTrue(http.analyze("{\"text\": " + quote(text) + ", \"query\": 2, \"layer\": 0, \"head\": 1}").get("cached").asBoolean());
    }

    @Test
    void badRequestsGetOneSentenceOfJson() throws Exception {
        expectError(400, "{\"text\": ", "malformed JSON");
        expectError(400, "[1, 2]", "JSON object");
        expectError(400, "", "empty");
        expectError(400, "{\"txt\": \"hi\"}", "unknown field \"txt\"");
        expectError(400, "{\"text\": 5}", "\"text\" must be a string");
        expectError(400, "{\"text\": \"   \"}", "empty");
        expectError(400, "{\"layer\": 1}", "\"text\" is required");
        expectError(400, "{\"text\": \"hi\", \"layer\": \"2\"}", "\"layer\" must be an integer");
        expectError(400, "{\"text\": \"hi\", \"layer\": 1.5}", "\"layer\" must be an integer");
        expectError(400, "{\"text\": \"hi\", \"layer\": 6}", "out of range 0..5");
        expectError(400, "{\"text\": \"hi\", \"head\": 12}", "out of range 0..11");
        expectError(400, "{\"text\": \"hi\", \"head\": -1}", "out of range 0..11");
        expectError(400, "{\"text\": \"hi\", \"head\": \"max\"}", "\"mean\", \"value\" or \"rollout\"");
        expectError(400, "{\"text\": \"hi\", \"head\": \"rollout\", \"layer\": 2}", "leave out \"layer\"");
        expectError(400, "{\"text\": \"hi\", \"query\": 99}", "out of range 0..2");
        expectError(400, "{\"text\": \"hi\", \"top\": 0}", "\"top\"");
        expectError(400, "{\"text\": \"hi\", \"math\": {\"key\": 9}}", "\"math.key\" is 9");
        expectError(400, "{\"text\": \"hi\", \"math\": {\"row\": 1}}", "unknown field \"math.row\"");
        expectError(400, "{\"text\": \"hi\", \"attention\": \"yes\"}", "true or false");
        expectError(400, "{\"text\": \"hi\", \"text\": \"ho\"}", "malformed JSON");
        expectError(400, "{\"text\": \"hi\"} {}", "extra content");

        Http.Answer wrongType = http.post("/api/analyze", "text/plain", HttpRequest.BodyPublishers.ofString("{\"text\": \"hi\"}"));
        assertEquals(415, wrongType.status());
        assertTrue(wrongType.json().get("error").asText().contains("application/json"));

        Http.Answer missing = http.get("/api/nothing-here");
        assertEquals(404, missing.status());
        assertTrue(missing.json().get("error").asText().contains("/api/nothing-here"));
        String traversal = Http.raw(server.port(), "GET /../../etc/passwd HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
                new byte[0], 0);
        assertTrue(traversal.startsWith("HTTP/1.1 400") || traversal.startsWith("HTTP/1.1 404"), traversal);
        assertTrue(traversal.contains("{\"error\":") && !traversal.contains("root:"), traversal);
        Http.Answer wrongMethod = http.get("/api/analyze");
        assertTrue(wrongMethod.status() == 404 || wrongMethod.status() == 405, "status " + wrongMethod.status());
        assertNotNull(wrongMethod.json().get("error"));
    }

    @Test
    void aTenMegabyteBodyIsRefusedBeforeItIsRead() throws Exception {
        byte[] body = new byte[10 * 1024 * 1024];
        java.util.Arrays.fill(body, (byte) ' ');
        long t0 = System.nanoTime();
        String answer = Http.raw(server.port(), "POST /api/analyze HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n",
                body, 64 * 1024);
        assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
        assertTrue(answer.contains("{\"error\":\"the request body is larger than 256 KiB\"}"), answer);
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "answered without waiting for the rest of the body");
    }

    @Test
    void aStreamedBodyIsCutAtTheCap() {
        // No Content-Length: HttpClient streams chunks; the server stops reading past the cap.
        byte[] chunk = new byte[64 * 1024];
        java.util.Arrays.fill(chunk, (byte) ' ');
        Flow.Publisher<java.nio.ByteBuffer> endless = subscriber -> subscriber.onSubscribe(new Flow.Subscription() {
            int sent;
            boolean done;

            @Override
            public synchronized void request(long n) {
                for (long i = 0; i < n && !done; i++) {
                    if (sent++ >= 160) { // 10 MiB at most
                        done = true;
                        subscriber.onComplete();
                    } else {
                        subscriber.onNext(java.nio.ByteBuffer.wrap(chunk));
                    }
                }
            }

            @Override
            public void cancel() {
                done = true;
            }
        });
        try {
            Http.Answer a = http.post("/api/analyze", "application/json", HttpRequest.BodyPublishers.fromPublisher(endless));
            assertEquals(413, a.status(), a.body());
            assertTrue(a.json().get("error").asText().contains("larger than"));
        } catch (AssertionError e) {
            // The server may close the connection before the client finishes sending; that is a refusal too.
            if (!String.valueOf(e.getMessage()).contains("request failed")) throw e;
        }
    }

    @Test
    void securityHeadersAndOnlyLoopbackHostNames() throws Exception {
        for (String path : List.of("/", "/app.js", "/api/model")) {
            Http.Answer a = http.get(path);
            assertEquals(200, a.status(), path);
            String csp = a.header("Content-Security-Policy");
            assertTrue(csp.contains("default-src 'self'") && csp.contains("script-src 'self'") && !csp.contains("unsafe"), csp);
            assertEquals("nosniff", a.header("X-Content-Type-Options"));
        }
        assertTrue(http.get("/app.js").header("Content-Type").startsWith("text/javascript"));
        String rebound = Http.raw(server.port(), "GET /api/model HTTP/1.1\r\nHost: attacker.example:" + server.port()
                + "\r\nConnection: close\r\n\r\n", new byte[0], 0);
        assertTrue(rebound.startsWith("HTTP/1.1 421"), rebound);
        String local = Http.raw(server.port(), "GET /api/model HTTP/1.1\r\nHost: localhost:" + server.port()
                + "\r\nConnection: close\r\n\r\n", new byte[0], 0);
        assertTrue(local.startsWith("HTTP/1.1 200"), local);
    }

    @Test
    void noStackTraceEverReachesTheClient() {
        String nasty = "{\"text\": \"" + "\\ud800".repeat(3) + "\", \"query\": 0}";
        Http.Answer a = http.post("/api/analyze", nasty);
        assertTrue(a.status() == 200 || a.status() == 400, a.body());
        assertFalse(a.body().contains("at org.") || a.body().contains("Exception"), a.body());
    }

    private static void expectError(int status, String body, String fragment) {
        Http.Answer a = http.post("/api/analyze", body);
        assertEquals(status, a.status(), body + " → " + a.body());
        String error = a.json().get("error").asText();
        assertTrue(error.contains(fragment), body + " → " + error);
        assertFalse(a.body().contains("Exception"), a.body());
    }

    static String quote(String s) {
        try {
            return Http.JSON.writeValueAsString(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
