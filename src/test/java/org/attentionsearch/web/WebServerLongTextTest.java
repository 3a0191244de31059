package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.api.Test;

/** A text whose attention would not fit in the server's share of the heap: streamed pages, and 413 for what needs the matrices. */
class WebServerLongTextTest {

    @Test
    void aLongTextStreamsItsPagesAndRefusesRolloutAndMaps() {
        Model model = Model.load(ModelLoader.load(SyntheticModels.gguf(SyntheticModels.qwen2())));
        long budget = Runtime.getRuntime().maxMemory() / 4; // the server's share per analysis
        int n = 1;
        while (Analysis.estimatedBytes(model.config(), n) <= budget) n += 64;
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < n + 64; i++) text.append(i == 0 ? "" : " ").append(i % 3 == 0 ? "river" : i % 3 == 1 ? "bank" : "rain");
        try (WebServer server = WebServer.start(model, "qwen2.gguf", "127.0.0.1", 0, WebServer.Limits.defaults())) {
            Http http = new Http(server.port());
            String body = "{\"text\": \"" + text + "\", \"layer\": 1, \"head\": 2, \"query\": " + n + ", \"top\": 3, \"math\": true}";
            JsonNode a = http.analyze(body);
            assertTrue(a.get("streamedPages").asBoolean());
            assertFalse(a.get("cached").asBoolean());
            JsonNode page = a.get("pages").get(0);
            assertEquals(n + 1, page.get("keys").asInt());
            assertEquals(3, page.get("results").size());
            assertEquals(page.get("results").get(0).get("key"), a.get("math").get("key"), "the math of the top result");
            for (String refused : new String[] {"\"head\": \"rollout\"", "\"layer\": 0, \"top\": \"all\", \"query\": 5",
                    "\"layer\": 0, \"head\": 1, \"query\": 5, \"attention\": true"}) {
                Http.Answer r = http.post("/api/analyze", "{\"text\": \"" + text + "\", " + refused + "}");
                assertEquals(413, r.status(), refused + ": " + r.body());
                assertTrue(r.json().get("error").asText().contains("does not keep"), r.body());
            }
            assertEquals(0, server.internalErrors());
        }
    }
}
