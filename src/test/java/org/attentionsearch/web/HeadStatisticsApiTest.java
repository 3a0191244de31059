package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusHeads;
import org.attentionsearch.corpus.CorpusIndex;
import org.attentionsearch.corpus.Indexer;
import org.attentionsearch.corpus.HeadStatistics;
import org.attentionsearch.corpus.HeadStatisticsJson;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.model.Model;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** GET /api/heads-statistics: the numbers of a heads --json file as served, against CorpusHeads run directly on the same corpus. */
class HeadStatisticsApiTest {

    static final List<String> CORPUS = List.of("We sat on the river bank.", "", "The bank raised its rates again.",
            "A heron waited on the muddy bank of the river.");

    @TempDir Path tmp;

    @Test
    void theServedStatisticsAreTheCorpusStatistics() throws Exception {
        Model model = TestModels.MINILM.model();
        Path corpus = Files.write(tmp.resolve("c.txt"), CORPUS);
        CorpusHeads.Report direct = CorpusHeads.report(model, CorpusHeads.sums(model, corpus, CorpusFile.Format.TEXT,
                CorpusBatches.of(model), l -> { }));
        // What serve --heads reads: heads --json's object, written to a file and read back.
        ModelFingerprint fingerprint = ModelFingerprint.of(model, "all-MiniLM-L6-v2");
        Path file = Files.write(tmp.resolve("heads.json"), HeadStatisticsJson.bytes(direct, fingerprint));
        HeadStatisticsJson.Loaded loaded = HeadStatisticsJson.read(file);
        loaded.requireModel(file, fingerprint, model.config().layers(), model.config().heads());
        List<ServedModel> served = ServedModel.named(List.of("all-MiniLM-L6-v2"), List.of(model));
        try (WebServer server = WebServer.start(served, "127.0.0.1", 0, WebServer.Limits.defaults(), null,
                List.of(new ServedHeadStatistics(served.getFirst().id(), loaded.report(), fingerprint, "heads.json")))) {
            Http http = new Http(server.port());
            JsonNode o = strict(http.get("/api/heads-statistics").body());
            assertTrue(o.get("available").asBoolean());
            assertEquals(served.getFirst().id(), o.get("modelId").asText());
            assertEquals("heads.json", o.get("source").asText());
            assertEquals(fingerprint.digest(), o.get("model").get("fingerprint").asText());
            assertSame(direct, o);
            assertEquals(o, http.get("/api/heads-statistics?model=" + served.getFirst().id()).json());
            Http.Answer unknown = http.get("/api/heads-statistics?model=gpt-9");
            assertEquals(400, unknown.status());
            assertTrue(unknown.json().get("error").asText().contains("no model \"gpt-9\""));
            assertTrue(http.get("/heads.js").body().contains("/api/heads-statistics"));
            assertEquals(0, server.internalErrors());
        }
        try (WebServer plain = WebServer.start(model, "all-MiniLM-L6-v2", "127.0.0.1", 0, WebServer.Limits.defaults())) {
            Http.Answer none = new Http(plain.port()).get("/api/heads-statistics");
            assertEquals(200, none.status());
            assertFalse(none.json().get("available").asBoolean());
        }
    }

    @Test
    void anIndexServesTheStatisticsItsRunStored() throws Exception {
        Model model = TestModels.MINILM.model();
        Path corpus = Files.write(tmp.resolve("c.txt"), CORPUS);
        CorpusHeads.Report direct = CorpusHeads.report(model, CorpusHeads.sums(model, corpus, CorpusFile.Format.TEXT,
                CorpusBatches.of(model), l -> { }));
        ModelFingerprint fingerprint = ModelFingerprint.of(model, "all-MiniLM-L6-v2");
        Path dir = tmp.resolve("index");
        new Indexer(model, fingerprint, new int[] {5}, CorpusBatches.of(model)).run(corpus, CorpusFile.Format.TEXT, dir, l -> { }, l -> { });
        HeadStatisticsJson.Loaded stored = HeadStatisticsJson.ofIndex(dir).orElseThrow();
        List<ServedModel> served = ServedModel.named(List.of("all-MiniLM-L6-v2"), List.of(model));
        try (CorpusIndex index = CorpusIndex.open(dir);
             WebServer server = WebServer.start(served, "127.0.0.1", 0, WebServer.Limits.defaults(), index,
                     List.of(new ServedHeadStatistics(served.getFirst().id(), stored.report(), stored.model(), "the index index")))) {
            JsonNode o = strict(new Http(server.port()).get("/api/heads-statistics").body());
            assertTrue(o.get("available").asBoolean());
            assertSame(direct, o);
        }
    }

    /** The answer read as JSON with every key once (Jackson would otherwise keep the last of two). */
    static JsonNode strict(String body) throws java.io.IOException {
        return new com.fasterxml.jackson.databind.ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build()).readTree(body);
    }

    /** Every head, layer by layer, with the report's numbers; an encoder's induction score is null. */
    static void assertSame(CorpusHeads.Report expected, JsonNode served) {
        assertEquals(expected.texts(), served.get("texts").asLong());
        assertEquals(expected.tokens(), served.get("tokens").asLong());
        JsonNode heads = served.get("heads");
        assertEquals(expected.heads().size(), heads.size());
        for (int i = 0; i < heads.size(); i++) {
            HeadStatistics h = expected.heads().get(i);
            JsonNode x = heads.get(i);
            assertEquals(h.layer(), x.get("layer").asInt());
            assertEquals(h.head(), x.get("head").asInt());
            double[] values = HeadStatisticsJson.values(h);
            for (int s = 0; s < values.length; s++) {
                JsonNode v = x.get(HeadStatisticsJson.STATISTICS.get(s));
                String where = "layer " + h.layer() + " head " + h.head() + " " + HeadStatisticsJson.STATISTICS.get(s);
                if (Double.isNaN(values[s])) assertTrue(v.isNull(), where);
                else assertEquals(values[s], v.asDouble(), 1e-12, where);
            }
        }
    }
}
