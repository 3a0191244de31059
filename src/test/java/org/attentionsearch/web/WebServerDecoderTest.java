package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.api.Test;

/** The JSON API on a decoder: the model described as one, causal pages, maps and the math of a shared key/value head. */
class WebServerDecoderTest {

    @Test
    void aDecoderServesCausalPages() {
        Model model = Model.load(ModelLoader.load(SyntheticModels.gguf(SyntheticModels.llama())));
        try (WebServer server = WebServer.start(model, "llama.gguf", "127.0.0.1", 0, WebServer.Limits.defaults())) {
            Http http = new Http(server.port());
            JsonNode m = http.get("/api/model").json();
            assertTrue(m.get("decoder").asBoolean());
            assertEquals("llama", m.get("family").asText());
            assertEquals(2, m.get("kvHeads").asInt());

            JsonNode a = http.analyze("{\"text\": \"The river bank flooded after the rain\", \"layer\": 1, \"head\": 3, "
                    + "\"attention\": true, \"math\": true}");
            assertTrue(a.get("causal").asBoolean());
            for (JsonNode page : a.get("pages")) {
                int query = page.get("query").asInt();
                assertEquals(query + 1, page.get("keys").asInt());
                for (JsonNode r : page.get("results")) assertTrue(r.get("key").asInt() <= query);
            }
            assertEquals(1, a.get("math").get("kvHead").asInt());
            int n = a.get("tokens").size();
            JsonNode map = a.get("attention").get("weights").get(0).get(0);
            for (int i = 0; i < n; i++) {
                for (int j = i + 1; j < n; j++) assertEquals(0, map.get(i * n + j).asDouble(), "a causal map is a triangle");
            }
            assertEquals(0, server.internalErrors());
        }
    }
}
