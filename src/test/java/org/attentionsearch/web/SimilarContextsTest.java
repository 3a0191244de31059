package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusIndex;
import org.attentionsearch.corpus.Indexer;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.model.Model;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** /api/similar, behind the "Similar contexts in the corpus" panel, with and without serve --index. */
class SimilarContextsTest {

    @TempDir Path tmp;

    @Test
    void theNearestOccurrencesOfTheSelectedTokenAndNothingWithoutAnIndex() throws Exception {
        Model model = TestModels.MINILM.model();
        Path corpus = Files.write(tmp.resolve("c.txt"), List.of("We sat on the river bank.", "The bank raised its rates.",
                "A heron waited on the muddy bank."));
        new Indexer(model, ModelFingerprint.of(model, "all-MiniLM-L6-v2"), new int[] {2, 5}, CorpusBatches.of(model))
                .run(corpus, CorpusFile.Format.TEXT, tmp.resolve("index"), l -> { }, l -> { });
        try (CorpusIndex index = CorpusIndex.open(tmp.resolve("index"));
             WebServer server = WebServer.start(model, "all-MiniLM-L6-v2", "127.0.0.1", 0, WebServer.Limits.defaults(), index)) {
            Http http = new Http(server.port());
            JsonNode about = http.get("/api/similar").json();
            assertTrue(about.get("available").asBoolean());
            assertEquals(3, about.get("documents").asInt());
            assertEquals("[2,5]", about.get("layers").toString());
            Http.Answer a = http.post("/api/similar", "{\"text\": \"He fished from the river bank.\", \"token\": 6, \"layer\": 3, \"top\": 2}");
            assertEquals(200, a.status(), a.body());
            JsonNode o = a.json();
            assertEquals("bank", o.get("query").get("token").asText());
            assertEquals(2, o.get("query").get("layer").asInt()); // layer 3 is not indexed: the nearest indexed one
            assertEquals(2, o.get("hits").size());
            assertEquals("bank", o.get("hits").get(0).get("snippet").get("match").asText());
            assertTrue(o.get("hits").get(0).get("similarity").asDouble() >= o.get("hits").get(1).get("similarity").asDouble());
            Http.Answer bad = http.post("/api/similar", "{\"text\": \"bank\", \"token\": 99}");
            assertEquals(400, bad.status());
            assertTrue(bad.json().get("error").asText().contains("out of range"));
            assertTrue(http.get("/corpus.js").body().contains("/api/similar"));
        }
        try (WebServer plain = WebServer.start(model, "all-MiniLM-L6-v2", "127.0.0.1", 0, WebServer.Limits.defaults())) {
            Http.Answer none = new Http(plain.port()).get("/api/similar");
            assertEquals(200, none.status());
            assertEquals(false, none.json().get("available").asBoolean());
            assertEquals(404, new Http(plain.port()).post("/api/similar", "{\"text\": \"bank\", \"token\": 1}").status());
        }
    }
}
