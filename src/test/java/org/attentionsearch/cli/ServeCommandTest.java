package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

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
}
