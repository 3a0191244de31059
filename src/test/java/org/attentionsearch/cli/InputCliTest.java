package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.testing.SyntheticModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --input} never loses a line: every command answers N input lines with N output lines,
 * a line it cannot process with {"line": n, "error": "…"} in its place, and exits 2 at the end.
 */
class InputCliTest {

    @Test
    void tokenizeAnswersEveryLineOfTwoHundredWhateverTheBadOnes(@TempDir Path dir) throws Exception {
        StringBuilder s = new StringBuilder();
        List<Integer> empty = List.of(1, 129, 145, 200);
        for (int i = 1; i <= 200; i++) {
            s.append(empty.contains(i) ? (i == 145 ? "   " : "") : "text number " + i).append(i % 3 == 0 ? "\r\n" : "\n");
        }
        Path file = dir.resolve("texts.txt");
        Files.writeString(file, s.toString());
        CliTest.Run r = CliTest.run("tokenize", "--input", file.toString());
        List<JsonNode> lines = r.lines();
        assertEquals(200, lines.size(), r.err());
        for (int i = 1; i <= 200; i++) {
            JsonNode line = lines.get(i - 1);
            if (empty.contains(i)) {
                assertEquals(i, line.get("line").asInt());
                assertEquals("line " + i + " is empty", line.get("error").asText());
            } else {
                assertFalse(line.has("error"), line.toString());
                assertEquals(String.valueOf(i), line.get("tokens").get(3).get("text").asText(), "line " + i + " in its place");
            }
        }
        assertEquals(2, r.code());
        assertEquals("error: 4 of 200 lines of " + file + " could not be processed (first: line 1 is empty); "
                + "each has {\"line\": n, \"error\": …} in its place in the output", r.err().strip());
    }

    @Test
    void explainAnswersALineWithoutTheTokenInItsPlace(@TempDir Path dir) throws Exception {
        List<String> texts = new ArrayList<>();
        for (int i = 1; i <= 11; i++) texts.add(i % 4 == 0 ? "no such word here " + i : "the bank by the river " + i);
        Path file = dir.resolve("texts.txt");
        Files.writeString(file, String.join("\n", texts) + "\n");
        CliTest.Run r = CliTest.run("explain", "--input", file.toString(), "--token", "bank", "--top", "2");
        List<JsonNode> lines = r.lines();
        assertEquals(11, lines.size(), r.err());
        for (int i = 1; i <= 11; i++) {
            JsonNode line = lines.get(i - 1);
            if (i % 4 == 0) {
                assertEquals(i, line.get("line").asInt());
                assertTrue(line.get("error").asText().startsWith("'bank' is not a token of the text"), line.toString());
            } else {
                assertEquals(texts.get(i - 1), line.get("text").asText());
                assertEquals(2, line.get("pages").get(0).get("query").asInt());
            }
        }
        assertEquals(2, r.code());
        assertTrue(r.err().startsWith("error: 2 of 11 lines"), r.err());
    }

    @Test
    void embedAndNextKeepEveryLineAndNameTheBadUtf8One(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write("The river bank\nA carriage\rreturn inside\n".getBytes(StandardCharsets.UTF_8));
        bytes.write(new byte[] {'b', 'a', 'd', ' ', (byte) 0xFF, '\n'});
        bytes.write("\nLast line without a newline".getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("texts.txt");
        Files.write(file, bytes.toByteArray());
        String decoder = SyntheticModels.gguf(SyntheticModels.qwen2()).toString();
        for (String[] args : List.of(new String[] {"embed", "--input", file.toString()},
                new String[] {"next", "--model", decoder, "--top", "1", "--input", file.toString()},
                new String[] {"tokenize", "--input", file.toString()})) {
            CliTest.Run r = CliTest.run(args);
            List<JsonNode> lines = r.lines();
            assertEquals(5, lines.size(), String.join(" ", args) + " → " + r.out() + r.err());
            assertFalse(lines.get(0).has("error"));
            assertFalse(lines.get(1).has("error"), "a bare CR stays inside its line");
            assertEquals("line 3 is not valid UTF-8 (at byte 5 of the line)", lines.get(2).get("error").asText());
            assertEquals(4, lines.get(3).get("line").asInt());
            assertFalse(lines.get(4).has("error"));
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("2 of 5 lines") && r.err().contains("line 3 is not valid UTF-8"), r.err());
        }
        CliTest.Run tokens = CliTest.run("tokenize", "--input", file.toString());
        JsonNode carriage = tokens.lines().get(1).get("tokens");
        assertEquals("A carriage\rreturn inside".length(), carriage.get(carriage.size() - 2).get("end").asInt());
    }

    @Test
    void aCleanFileExitsZeroWithOneLineEach(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("texts.txt");
        Files.writeString(file, "one\r\ntwo\r\nthree");
        CliTest.Run r = CliTest.run("embed", "--input", file.toString(), "--batch", "2");
        assertEquals(0, r.code(), r.err());
        assertEquals(3, r.lines().size());
        assertEquals("", r.err());
    }
}
