package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionsearch.model.Model;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: output, JSON, exit codes and one-line errors. */
class CliTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    record Run(int code, String out, String err) {
        List<JsonNode> lines() throws Exception {
            List<JsonNode> nodes = new java.util.ArrayList<>();
            for (String line : out.split("\n")) if (!line.isBlank()) nodes.add(JSON.readTree(line));
            return nodes;
        }
    }

    static synchronized Run run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void textsAloneRunAsTheyDoThroughPicocli() {
        // "--" ends the options, so the same texts after it are parsed by picocli
        for (String command : List.of("tokenize", "explain")) {
            Run plain = run(command, "The bank raised rates.", "x"), parsed = run(command, "--", "The bank raised rates.", "x");
            assertEquals(0, plain.code(), plain.err());
            assertEquals(parsed.out().replaceAll("\\d+(\\.\\d+)? ms", "ms"), plain.out().replaceAll("\\d+(\\.\\d+)? ms", "ms"));
            assertEquals(parsed.err(), plain.err());
        }
        Run blank = run("tokenize", " "), blankParsed = run("tokenize", "--", " ");
        assertEquals(2, blank.code());
        assertEquals(blankParsed.err(), blank.err());
        assertEquals(run("--", "a text").out().replaceAll("\\d+(\\.\\d+)? ms", "ms"), run("a text").out().replaceAll("\\d+(\\.\\d+)? ms", "ms"));
    }

    @Test
    void tokenizeJsonGivesIdsTextsAndOffsets() throws Exception {
        Run r = run("tokenize", "--json", "Hello, world!");
        assertEquals(0, r.code(), r.err());
        JsonNode tokens = r.lines().getFirst().get("tokens");
        assertEquals(101, tokens.get(0).get("id").asInt());
        assertEquals("[CLS]", tokens.get(0).get("text").asText());
        assertTrue(tokens.get(0).get("start").isNull());
        assertEquals("hello", tokens.get(1).get("text").asText());
        assertEquals(0, tokens.get(1).get("start").asInt());
        assertEquals(5, tokens.get(1).get("end").asInt());
        assertEquals("[SEP]", tokens.get(tokens.size() - 1).get("text").asText());
    }

    @Test
    void embedJsonIsTheNormalisedMeanOfTheHiddenStates() throws Exception {
        Run r = run("embed", "--json", "--tokens", "The bank raised rates", "A second text");
        assertEquals(0, r.code(), r.err());
        List<JsonNode> lines = r.lines();
        assertEquals(2, lines.size());
        JsonNode first = lines.getFirst();
        JsonNode hidden = first.get("hidden");
        int h = first.get("embedding").size();
        assertEquals(384, h);
        double[] mean = new double[h];
        for (JsonNode row : hidden) for (int x = 0; x < h; x++) mean[x] += row.get(x).asDouble() / hidden.size();
        double norm = 0;
        for (double v : mean) norm += v * v;
        for (int x = 0; x < h; x++) {
            assertEquals(mean[x] / Math.sqrt(norm), first.get("embedding").get(x).asDouble(), 1e-5);
        }
    }

    @Test
    void inputFileGivesOneJsonLinePerText(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("texts.txt");
        Files.writeString(file, "first line\nsecond line\nthird line\n");
        Run r = run("embed", "--input", file.toString());
        assertEquals(0, r.code(), r.err());
        assertEquals(3, r.lines().size());
    }

    @Test
    void badInputIsOneLineAndExitTwo(@TempDir Path dir) throws Exception {
        Path blank = dir.resolve("blank.txt");
        Files.writeString(blank, "ok\n\nalso ok\n");
        Path binary = dir.resolve("binary.txt");
        Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 'a'});
        String[][] cases = {
                {"embed", ""},
                {"embed"},
                {"embed", "--input", dir.resolve("missing.txt").toString()},
                {"embed", "--input", blank.toString()},
                {"embed", "--input", binary.toString()},
                {"embed", "--no-such-option", "x"},
                {"explain", "--token", "zebra", "The bank raised rates"},
                {"explain", "--token", "bank", "the bank by the river bank"},
                {"explain", "--layer", "9", "--head", "0", "The bank raised rates"},
                {"explain", "--layer", "1", "--head", "12", "The bank raised rates"},
                {"explain", "--token", "40", "The bank raised rates"},
                {"explain", "--top", "zero", "The bank raised rates"},
                {"explain", "--blend", "median", "The bank raised rates"},
                {"embed", "--batch", "2147483647", "text"},
                {"tokenize", "--pooling", "median", "text"},
                {"embed", "--input", dir.resolve("missing.txt").toString(), "and a text"},
        };
        for (String[] args : cases) {
            Run r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + " → " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
            assertTrue(r.out().isEmpty() || args[0].equals("embed"), r.out());
        }
        Run r = run("explain", "--token", "zebra", "The bank raised rates");
        assertTrue(r.err().contains("bank"), "lists the tokens: " + r.err());
        r = run("explain", "--token", "bank", "the bank by the river bank");
        assertTrue(r.err().contains("2") && r.err().contains("6"), "lists the positions: " + r.err());
        r = run("explain", "--layer", "9", "--head", "0", "The bank raised rates");
        assertTrue(r.err().contains("0..5"), r.err());
    }

    @Test
    void helpWorksOnEveryCommand() {
        for (String[] args : new String[][] {{"help"}, {"--help"}, {"explain", "--help"}, {"next", "--help"}, {"tokenize", "--help"},
                {"embed", "--help"}, {"export", "--help"}, {"serve", "--help"}}) {
            Run r = run(args);
            assertEquals(0, r.code(), String.join(" ", args) + " → " + r.err());
            assertTrue(r.out().contains("Usage"), r.out());
        }
    }

    @Test
    void poolingOptionOverridesTheModelsOwn() throws Exception {
        JsonNode mean = run("embed", "--json", "--tokens", "The bank raised rates").lines().getFirst();
        JsonNode cls = run("embed", "--json", "--pooling", "cls", "The bank raised rates").lines().getFirst();
        double norm = 0;
        for (JsonNode x : mean.get("hidden").get(0)) norm += x.asDouble() * x.asDouble();
        for (int x = 0; x < 384; x++) {
            assertEquals(mean.get("hidden").get(0).get(x).asDouble() / Math.sqrt(norm), cls.get("embedding").get(x).asDouble(), 1e-5);
        }
    }

    @Test
    void brokenModelFileIsExitThree(@TempDir Path dir) throws Exception {
        Run missing = run("--model", dir.resolve("nothing-here").toString(), "text");
        assertEquals(3, missing.code(), missing.err());
        assertTrue(missing.err().contains("nothing-here"), missing.err());
        Path onnx = dir.resolve("model.onnx");
        Files.write(onnx, java.util.Arrays.copyOf(TestModels.MINILM.onnxBytes(), 4096));
        Files.write(dir.resolve("tokenizer.json"), TestModels.MINILM.tokenizerBytes());
        Run r = run("embed", "--model", onnx.toString(), "text");
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("model.onnx"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
    }

    @Test
    void tooLongTextIsCutWithAWarningOrRefused() {
        String text = "word ".repeat(700);
        Run cut = run("embed", "--json", text);
        assertEquals(0, cut.code(), cut.err());
        assertTrue(cut.err().contains("dropped"), cut.err());
        Run refused = run("embed", "--no-truncate", text);
        assertEquals(2, refused.code());
    }

    @Test
    void exportedModelLoadsBackBitIdentical(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("exported");
        Run r = run("export", out.toString());
        assertEquals(0, r.code(), r.err());
        for (String f : List.of("config.json", "model.safetensors", "tokenizer.json", "1_Pooling/config.json")) {
            assertTrue(Files.exists(out.resolve(f)), f);
        }
        Model original = Model.embedded();
        Model reloaded = Model.load(ModelLoader.load(out));
        assertEquals(original.pooling(), reloaded.pooling());
        assertEquals(original.config(), reloaded.config());
        List<String> texts = List.of("The bank raised rates after the river flooded", "Short");
        List<Encoding> enc = texts.stream().map(t -> original.tokenizer().encode(t)).toList();
        assertArrayEquals(original.forward(enc, false).hidden(), reloaded.forward(enc, false).hidden());
        for (int i = 0; i < texts.size(); i++) {
            assertArrayEquals(original.embed(texts).get(i), reloaded.embed(texts).get(i));
        }
    }

    @Test
    void explainOverviewAndPage() throws Exception {
        Run overview = run("I went to the bank to deposit money, then sat on the river bank.");
        assertEquals(0, overview.code(), overview.err());
        assertTrue(overview.out().contains("value-weighted"), overview.out());
        Run page = run("explain", "--token", "5", "--layer", "2", "--head", "3", "--math",
                "I went to the bank to deposit money, then sat on the river bank.");
        assertEquals(0, page.code(), page.err());
        assertTrue(page.out().contains("About 18 results"), page.out());
        assertTrue(page.out().contains("softmax"), page.out());
        Run json = run("explain", "--json", "--layer", "2", "--head", "3", "--top", "all", "The bank raised rates");
        assertEquals(0, json.code(), json.err());
        JsonNode root = json.lines().getFirst();
        int n = root.get("tokens").size();
        assertEquals(n, root.get("pages").size());
        for (JsonNode p : root.get("pages")) {
            assertEquals(n, p.get("results").size());
            assertEquals(2, p.get("layer").asInt());
            assertEquals(3, p.get("head").asInt());
        }
    }
}
