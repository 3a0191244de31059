package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.Indexer;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.model.Model;
import org.attentionsearch.testing.RandomDecoders;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** index, search and heads as a user meets them: JSON shapes, exit codes and one-sentence errors. */
class CorpusCliTest {

    @TempDir static Path tmp;
    static Path corpus, index;

    @BeforeAll
    static void build() throws Exception {
        corpus = tmp.resolve("corpus.txt");
        Files.write(corpus, List.of("I went to the bank to deposit money.", "We sat on the river bank.", "",
                "The bank raised its rates.", "A boat drifted to the muddy bank of the stream."));
        index = tmp.resolve("index");
        CliTest.Run r = CliTest.run("index", "--input", corpus.toString(), "--out", index.toString(), "--layers", "2,5", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode m = r.lines().getFirst();
        assertEquals(4, m.get("texts").asInt());
        assertEquals(5, m.get("lines").asInt());
        assertEquals("[2,5]", m.get("layers").toString());
    }

    @Test
    void searchJsonHasTheQueryAndHitsWithSnippetsAndPages() throws Exception {
        CliTest.Run r = CliTest.run("search", "--index", index.toString(), "--top", "3", "--json", "--same-token",
                "He fished from the grassy bank of the river.", "--token", "bank");
        assertEquals(0, r.code(), r.err());
        JsonNode o = r.lines().getFirst();
        assertEquals(6, o.get("query").get("position").asInt());
        assertEquals(5, o.get("query").get("layer").asInt());
        assertEquals("bank", o.get("query").get("token").get("text").asText());
        JsonNode hits = o.get("hits");
        assertEquals(3, hits.size());
        double last = 2;
        for (JsonNode h : hits) {
            assertEquals("bank", h.get("token").asText());
            assertEquals("bank", h.get("snippet").get("match").asText());
            double s = h.get("similarity").asDouble();
            assertTrue(s <= last && s > 0 && s <= 1.0000001);
            last = s;
            assertTrue(Stream.of(0, 1, 3, 4).anyMatch(d -> d == h.get("doc").asInt()), h.toString());
            assertEquals(h.get("position").asInt(), h.get("page").get("query").asInt());
            assertEquals(5, h.get("page").get("layer").asInt());
            assertEquals("value", h.get("page").get("head").asText());
            assertEquals(12, h.get("heads").size());
        }
        // The river bank is the nearest bank to a river bank.
        assertEquals(1, hits.get(0).get("doc").asInt());
    }

    @Test
    void searchPrintsRankedSnippets() {
        CliTest.Run r = CliTest.run("search", "--index", index.toString(), "--layer", "2", "--top", "2", "A walk along the bank.",
                "--token", "bank");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(" 1. ") && r.out().contains(" 2. ") && !r.out().contains(" 3. "), r.out());
    }

    @Test
    void headsJsonHasEveryHead() throws Exception {
        CliTest.Run r = CliTest.run("heads", "--input", corpus.toString(), "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode o = r.lines().getFirst();
        assertEquals(4, o.get("texts").asInt());
        assertEquals("all-MiniLM-L6-v2", o.get("model").get("name").asText());
        assertEquals(org.attentionsearch.corpus.ModelFingerprint.of(org.attentionsearch.testing.TestModels.MINILM.model(), "x").digest(),
                o.get("model").get("fingerprint").asText());
        assertEquals(6 * 12, o.get("heads").size());
        JsonNode h = o.get("heads").get(13);
        assertEquals(1, h.get("layer").asInt());
        assertEquals(1, h.get("head").asInt());
        for (String f : List.of("effectiveResults", "previousToken", "duplicateToken", "firstToken", "specialTokens", "sinks", "valueShare")) {
            assertTrue(h.get(f).isNumber(), f);
        }
        assertTrue(h.get("induction").isNull());
    }

    @Test
    void badIndexesAreOneSentenceAndExitTwo() throws Exception {
        expectError(CliTest.run("search", "--index", tmp.resolve("nowhere").toString(), "a bank", "--token", "bank"),
                "there is no index at");
        expectError(CliTest.run("search", "--index", index.toString(), "--layer", "3", "a bank", "--token", "bank"),
                "holds layers 2, 5, not layer 3");

        Path garbled = tmp.resolve("garbled");
        Files.createDirectories(garbled);
        Files.writeString(garbled.resolve("corpus-index.json"), "{not json");
        expectError(CliTest.run("search", "--index", garbled.toString(), "a bank", "--token", "bank"),
                "cannot be read as a corpus index manifest");

        // An index of the first format held whole vectors for Lucene's cosine; this version holds directions and lengths.
        Path earlier = tmp.resolve("earlier");
        Files.createDirectories(earlier);
        Files.writeString(earlier.resolve("corpus-index.json"), Files.readString(index.resolve("corpus-index.json")).replaceFirst("\"format\"\\s*:\\s*2", "\"format\" : 1"));
        expectError(CliTest.run("search", "--index", earlier.toString(), "a bank", "--token", "bank"),
                "holds an index of an earlier format (1), which this version cannot search; index the corpus again");

        Path damaged = tmp.resolve("damaged");
        CliTest.Run built = CliTest.run("index", "--input", corpus.toString(), "--out", damaged.toString());
        assertEquals(0, built.code(), built.err());
        // Without --layers, the last layer alone: the one search asks by default.
        assertEquals("5", org.attentionsearch.corpus.IndexManifest.read(damaged).layerList());
        try (Stream<Path> files = Files.list(damaged)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".cfs") || p.getFileName().toString().startsWith("segments_")).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                for (int i = bytes.length / 2; i < bytes.length; i++) bytes[i] ^= 0x5a;
                Files.write(f, bytes);
            }
        }
        expectError(CliTest.run("search", "--index", damaged.toString(), "a bank", "--token", "bank"), "is damaged");

        Path other = tmp.resolve("other-model");
        Model decoder = Model.load(RandomDecoders.checkpoint(RandomDecoders.gpt2(), 3));
        new Indexer(decoder, ModelFingerprint.of(decoder, "random-gpt2"), new int[] {1}, CorpusBatches.of(decoder))
                .run(corpus, CorpusFile.Format.TEXT, other, l -> { }, l -> { });
        expectError(CliTest.run("search", "--index", other.toString(), "a bank", "--token", "bank"),
                "was built with the model random-gpt2, not all-MiniLM-L6-v2");

        expectError(CliTest.run("index", "--input", corpus.toString(), "--out", index.toString()), "already holds a finished index");
        expectError(CliTest.run("index", "--input", tmp.resolve("missing.txt").toString(), "--out", tmp.resolve("x").toString()),
                "no such file");
        expectError(CliTest.run("index", "--input", corpus.toString(), "--out", tmp.resolve("y").toString(), "--layers", "9"),
                "layer 9 is out of range 0..5");
    }

    private static void expectError(CliTest.Run r, String fragment) {
        assertEquals(2, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("error: ") && r.err().contains(fragment), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(r.err().contains("Exception"), r.err());
    }
}
