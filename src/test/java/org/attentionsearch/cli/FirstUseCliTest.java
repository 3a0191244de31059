package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.weights.HfConfig;
import org.attentionsearch.weights.ModelFormatException;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a first-time user of the command line tripped over: names of numbers, the math's choices, early errors, help. */
class FirstUseCliTest {

    private static final String TEXT = "The bank raised rates after the river flooded";

    @Test
    void eachViewNamesItsNumberForWhatItIs() throws Exception {
        CliTest.Run blend = CliTest.run("explain", "--token", "bank", TEXT);
        assertEquals(0, blend.code(), blend.err());
        assertTrue(blend.out().contains("value share 0."), blend.out());
        assertFalse(blend.out().matches("(?s).*[^e ] ?weight 0\\..*"), "no bare 'weight' on the blend: " + blend.out());
        assertFalse(blend.out().contains("%)"), "the share is not repeated as a percentage: " + blend.out());
        assertTrue(blend.out().contains("a blend of the layer's heads, not an attention weight"), blend.out());

        CliTest.Run head = CliTest.run("explain", "--token", "bank", "--layer", "1", "--head", "2", TEXT);
        assertTrue(head.out().contains("attention weight 0."), head.out());

        CliTest.Run json = CliTest.run("explain", "--json", "--token", "bank", TEXT);
        assertEquals("value share", json.lines().getFirst().get("pages").get(0).get("measure").asText());
        json = CliTest.run("explain", "--json", "--token", "bank", "--layer", "1", "--blend", "mean", TEXT);
        assertEquals("mean attention weight", json.lines().getFirst().get("pages").get(0).get("measure").asText());
    }

    @Test
    void theMathOfABlendTakesApartTheHeadThatGivesTheKeyMostWeightAndSaysSo() throws Exception {
        CliTest.Run r = CliTest.run("explain", "--json", "--math", "--token", "bank", "--layer", "2", TEXT);
        assertEquals(0, r.code(), r.err());
        JsonNode root = r.lines().getFirst();
        JsonNode math = root.get("math");
        int query = math.get("query").asInt(), key = math.get("key").asInt(), head = math.get("head").asInt();
        assertEquals(root.get("pages").get(0).get("results").get(0).get("key").asInt(), key, "the page's own top result");
        // Recomputed from the trace's weights: no head of layer 2 gives this key more.
        Analysis a = Analysis.of(Model.embedded(), TEXT);
        int n = a.length();
        double chosen = a.weights(new View.Head(2, head))[query * n + key];
        for (int h = 0; h < a.config().heads(); h++) {
            assertTrue(a.weights(new View.Head(2, h))[query * n + key] <= chosen + 1e-6, "head " + h + " gives more than " + head);
        }
        CliTest.Run text = CliTest.run("explain", "--math", "--layer", "2", TEXT);
        assertTrue(text.out().contains("query: token 0, the first token (no --token given)"), text.out());
        assertTrue(text.out().contains("a blend of heads has no single q·k"), text.out() + text.err());
        String help = CliTest.run("explain", "--help").out().replaceAll("\\s+", " ");
        assertTrue(help.contains("--key=WORD|INDEX") && help.contains("not its rank"), help);
    }

    @Test
    void aWordMissingFromTheTextFailsBeforeTheModelIsLoaded(@TempDir Path dir) throws Exception {
        // A directory with a tokenizer and no weights: only the tokenizer can have been read.
        Files.write(dir.resolve("tokenizer.json"), TestModels.resource(ModelLoader.EMBEDDED_TOKENIZER));
        Files.writeString(dir.resolve("config.json"), "{\"model_type\":\"bert\"}");
        CliTest.Run r = CliTest.run("explain", "--model", dir.toString(), "--token", "zebra", TEXT);
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("error: 'zebra' is not a token of the text"), r.err());
    }

    @Test
    void aConfigOfAnotherFamilyIsNeverRunAsBert(@TempDir Path dir) throws Exception {
        for (String config : List.of("{\"model_type\":\"gemma\",\"hidden_size\":64}",
                "{\"architectures\":[\"Qwen2MoeForCausalLM\"],\"hidden_size\":64}",
                "{\"architectures\":[\"RobertaModel\"],\"hidden_size\":64,\"num_attention_heads\":4}",
                "{\"hidden_size\":64,\"num_attention_heads\":4,\"num_hidden_layers\":2}")) {
            Path model = Files.createTempDirectory(dir, "model");
            Files.writeString(model.resolve("config.json"), config);
            Files.write(model.resolve("tokenizer.json"), TestModels.resource(ModelLoader.EMBEDDED_TOKENIZER));
            CliTest.Run r = CliTest.run("explain", "--model", model.toString(), TEXT);
            assertEquals(3, r.code(), config + " → " + r.err());
            assertEquals(1, r.err().strip().lines().count(), r.err());
            // Refused when the configuration is read, not later for want of weights.
            assertThrows(ModelFormatException.class, () -> HfConfig.readConfig(config.getBytes(StandardCharsets.UTF_8), "config.json"));
        }
    }

    @Test
    void servingOnAPortInUseIsOneSentenceBeforeTheModelLoads() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            long t0 = System.nanoTime();
            CliTest.Run r = CliTest.run("serve", "--port", String.valueOf(taken.getLocalPort()));
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertTrue(r.err().startsWith("error: cannot listen on 127.0.0.1:" + taken.getLocalPort()), r.err());
            assertTrue((System.nanoTime() - t0) / 1e9 < 5, "before the model loads");
        }
    }

    @Test
    void helpSaysWhatATextAloneDoesAndTokenizeListsOnlyItsOptions() {
        assertTrue(CliTest.run("--help").out().contains("attention-search TEXT…  is short for  attention-search explain TEXT…"));
        String tokenize = CliTest.run("tokenize", "--help").out();
        assertTrue(tokenize.contains("--model"), tokenize);
        assertFalse(tokenize.contains("--pooling") || tokenize.contains("--threads"), tokenize);
    }

    @Test
    void chineseTokensKeepTheOverviewColumnsInLine() {
        CliTest.Run r = CliTest.run("explain", "我在银行存钱 the bank");
        assertEquals(0, r.code(), r.err());
        List<String> rows = r.out().lines().filter(l -> l.contains("  →  ")).toList();
        assertTrue(rows.size() > 8, r.out());
        int column = -1;
        for (String row : rows) {
            String before = row.substring(0, row.indexOf("  →  "));
            int width = before.codePoints().map(c -> c >= 0x4E00 && c <= 0x9FFF ? 2 : 1).sum();
            if (column < 0) column = width;
            assertEquals(column, width, "arrows in one column:\n" + r.out());
        }
    }
}
