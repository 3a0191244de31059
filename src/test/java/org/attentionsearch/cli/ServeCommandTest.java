package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The serve command's usage errors; the server itself is tested in the web package. */
class ServeCommandTest {

    @Test
    void helpDescribesTheOptions() {
        CliTest.Run r = CliTest.run("serve", "--help");
        assertEquals(0, r.code());
        assertTrue(r.out().contains("--port") && r.out().contains("--host") && r.out().contains("--model"), r.out());
    }

    @Test
    void aPortOutOfRangeIsBadUsage() {
        CliTest.Run r = CliTest.run("serve", "--port", "70000");
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: --port must be between 0 and 65535"), r.err());
    }

    @Test
    void everyModelIsLoadedBeforeTheServerStarts() {
        String decoder = org.attentionsearch.testing.SyntheticModels.gguf(org.attentionsearch.testing.SyntheticModels.gpt2()).toString();
        CliTest.Run r = CliTest.run("serve", "--port", "0", "--model", decoder, "--model", "/no/such/second.gguf");
        assertEquals(3, r.code());
        assertTrue(r.err().contains("second.gguf") && r.err().contains("does not exist"), r.err());
    }

    @Test
    void aMissingModelIsAModelProblem() {
        CliTest.Run r = CliTest.run("serve", "--model", "/no/such/model.onnx");
        assertEquals(3, r.code());
        assertTrue(r.err().contains("does not exist"), r.err());
    }

    @TempDir Path tmp;

    /** One head's statistics, in the shape heads --json writes, for a model of one layer and one head. */
    private static final String ONE_HEAD = "{\"texts\": 1, \"tokens\": 3, \"heads\": [{\"layer\": 0, \"head\": 0, "
            + "\"effectiveResults\": 1.5, \"previousToken\": 0.2, \"duplicateToken\": 0, \"firstToken\": 0.4, "
            + "\"specialTokens\": 0.1, \"sinks\": 0, \"valueShare\": 1, \"induction\": null}]}";

    @Test
    void headStatisticsThatAreNotTheServedModelsAreBadUsage() throws Exception {
        Path garbled = Files.writeString(tmp.resolve("garbled.json"), "{\"texts\": 1, \"heads\": [");
        expectUsage(CliTest.run("serve", "--port", "0", "--heads", garbled.toString()), garbled + " is not the JSON of heads --json");
        Path shape = Files.writeString(tmp.resolve("one-head.json"), ONE_HEAD);
        expectUsage(CliTest.run("serve", "--port", "0", "--heads", shape.toString()),
                shape + " holds head statistics of 1 layer × 1 head, but all-MiniLM-L6-v2 has 6 layers × 12 heads");
        Path other = Files.writeString(tmp.resolve("other.json"),
                ONE_HEAD.replace("{\"texts\": 1,", "{\"texts\": 1, \"model\": {\"name\": \"gpt2\", \"fingerprint\": \"00ff\"},"));
        expectUsage(CliTest.run("serve", "--port", "0", "--heads", other.toString()), other + " holds head statistics of another model (gpt2");
        expectUsage(CliTest.run("serve", "--port", "0", "--heads", tmp.resolve("missing.json").toString()), "cannot read "
                + tmp.resolve("missing.json") + ": no such file");
    }

    private static void expectUsage(CliTest.Run r, String start) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: " + start), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one sentence: " + r.err());
    }
}
