package org.attentionsearch.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JSON of heads --json read back exactly, and every malformed file refused in one sentence naming it. */
class HeadStatisticsJsonTest {

    @TempDir Path tmp;

    /** Two layers of three heads, with an undefined previous-token share and a decoder's induction scores. */
    private static CorpusHeads.Report report() {
        List<HeadStatistics> heads = new ArrayList<>();
        for (int l = 0; l < 2; l++) {
            for (int h = 0; h < 3; h++) {
                heads.add(new HeadStatistics(l, h, 1 + l + h / 7.0, h == 1 ? Double.NaN : 0.1 * h, 1.0 / 3, 0.25, 0, 0.5 - 0.1 * l,
                        1.0 / (h + 2), 0.9 * l));
            }
        }
        return new CorpusHeads.Report(5, 61, heads);
    }

    @Test
    void whatIsWrittenIsReadBackExactly() {
        CorpusHeads.Report r = report();
        ModelFingerprint model = new ModelFingerprint("tiny.gguf", "00112233445566778899aabbccddeeff");
        HeadStatisticsJson.write(tmp, r, model);
        HeadStatisticsJson.Loaded back = HeadStatisticsJson.ofIndex(tmp).orElseThrow();
        assertEquals(r, back.report());
        assertEquals(model, back.model());
        assertEquals(2, back.layers());
        assertEquals(3, back.heads());
        back.requireModel(tmp.resolve(HeadStatisticsJson.FILE), model, 2, 3);
        assertTrue(HeadStatisticsJson.ofIndex(tmp.resolve("nowhere")).isEmpty());
    }

    @Test
    void headsInAnyOrderAreReadLayerByLayer() throws Exception {
        String json = new String(HeadStatisticsJson.bytes(report(), null));
        assertNull(HeadStatisticsJson.read(write("plain.json", json)).model());
        // The last head first: the grid still comes back in order.
        int last = json.lastIndexOf("{\"layer\":1,\"head\":2");
        String reordered = json.substring(0, json.indexOf("{\"layer\":0")) + json.substring(last, json.length() - 2) + ","
                + json.substring(json.indexOf("{\"layer\":0"), last - 1) + "]}";
        assertEquals(report(), HeadStatisticsJson.read(write("reordered.json", reordered)).report());
    }

    @Test
    void malformedFilesAreOneSentenceNamingTheFile() throws Exception {
        String json = new String(HeadStatisticsJson.bytes(report(), null));
        refused("empty.json", "", "is empty");
        refused("cut.json", json.substring(0, 40), "is not valid JSON");
        refused("array.json", "[1, 2]", "is not a JSON object");
        refused("trailing.json", json + " {}", "has more after its JSON object");
        refused("no-heads.json", "{\"texts\": 1, \"tokens\": 2}", "has no \"heads\" array");
        refused("no-texts.json", json.replace("\"texts\":5,", ""), "lacks \"texts\"");
        refused("negative.json", json.replace("\"tokens\":61", "\"tokens\":-1"), "lacks \"tokens\", a count of 0 or more");
        refused("missing-stat.json", json.replaceFirst("\"sinks\":[0-9.]+,", ""), "lacks \"sinks\" for layer 0 head 0");
        refused("string.json", json.replaceFirst("\"firstToken\":0.25", "\"firstToken\":\"a quarter\""),
                "has a \"firstToken\" that is not a number or null for layer 0 head 0");
        refused("twice.json", json.replace("\"layer\":1,\"head\":2", "\"layer\":1,\"head\":1"), "holds layer 1 head 1 twice");
        refused("missing-head.json", json.substring(0, json.lastIndexOf(",{\"layer\":1,\"head\":2")) + "]}",
                "does not hold every head of 2 layers × 3 heads exactly once");
        refused("huge-layer.json", json.replace("\"layer\":1,\"head\":2", "\"layer\":70000,\"head\":2"), "without a \"layer\" number");
        refused("model.json", json.replace("{\"texts\"", "{\"model\":{\"name\":\"x\"},\"texts\""), "has a \"model\" without its \"fingerprint\"");
        refused("duplicate-key.json", json.replace("{\"texts\":5,", "{\"texts\":5,\"texts\":6,"), "is not valid JSON");
        CorpusException missing = assertThrows(CorpusException.class, () -> HeadStatisticsJson.read(tmp.resolve("missing.json")));
        assertEquals("cannot read " + tmp.resolve("missing.json") + ": no such file", missing.getMessage());
    }

    @Test
    void anotherModelIsRefusedByItsFingerprintOrItsShape() throws Exception {
        Path file = write("h.json", new String(HeadStatisticsJson.bytes(report(), new ModelFingerprint("a.gguf", "aa"))));
        HeadStatisticsJson.Loaded loaded = HeadStatisticsJson.read(file);
        CorpusException other = assertThrows(CorpusException.class, () -> loaded.requireModel(file, new ModelFingerprint("b.gguf", "bb"), 2, 3));
        assertEquals(file + " holds head statistics of another model (a.gguf, fingerprint aa) than b.gguf (bb)", other.getMessage());
        CorpusException shape = assertThrows(CorpusException.class, () -> loaded.requireModel(file, new ModelFingerprint("a2.gguf", "aa"), 2, 4));
        assertEquals(file + " holds head statistics of 2 layers × 3 heads, but a2.gguf has 2 layers × 4 heads", shape.getMessage());
    }

    private Path write(String name, String text) throws Exception {
        return Files.writeString(tmp.resolve(name), text);
    }

    private void refused(String name, String text, String problem) throws Exception {
        Path file = write(name, text);
        CorpusException e = assertThrows(CorpusException.class, () -> HeadStatisticsJson.read(file), name);
        assertTrue(e.getMessage().startsWith(file + " is not the JSON of heads --json: it "), e.getMessage());
        assertTrue(e.getMessage().contains(problem), e.getMessage());
        assertEquals(1, e.getMessage().lines().count(), e.getMessage());
    }
}
