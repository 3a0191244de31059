package org.attentionsearch.corpus;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.zip.CRC32;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A corpus read a line at a time: UTF-8 text with one document per line, or JSON Lines whose
 * objects carry the document in a {@code "text"} field. A document is known by its 0-based line
 * number; blank lines hold no document but keep their number. A CRC-32 of the lines read so far
 * lets a resumed index check that it continues the same file.
 */
public final class CorpusFile implements AutoCloseable {

    /** How a line holds its document. */
    public enum Format {
        TEXT, JSON_LINES;

        /** JSON Lines for names ending .jsonl, .ndjson or .json, else plain text. */
        public static Format guess(Path file) {
            String name = String.valueOf(file.getFileName()).toLowerCase(Locale.ROOT);
            return name.endsWith(".jsonl") || name.endsWith(".ndjson") || name.endsWith(".json") ? JSON_LINES : TEXT;
        }

        /** "text", "jsonl" or "auto" (null: auto) for {@code file}. */
        public static Format parse(String name, Path file) {
            if (name == null || name.equals("auto")) return guess(file);
            return switch (name) {
                case "text" -> TEXT;
                case "jsonl" -> JSON_LINES;
                default -> throw new CorpusException("--format takes text, jsonl or auto, not '" + name + "'");
            };
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final Format format;
    private final BufferedReader reader;
    private final CRC32 crc = new CRC32();
    private int lines;

    private CorpusFile(Path file, Format format, BufferedReader reader) {
        this.file = file;
        this.format = format;
        this.reader = reader;
    }

    public static CorpusFile open(Path file, Format format) {
        if (!Files.exists(file)) throw new CorpusException("cannot read " + file + ": no such file");
        if (Files.isDirectory(file)) throw new CorpusException("cannot read " + file + ": it is a directory");
        try {
            var decoder = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
            return new CorpusFile(file, format, new BufferedReader(new InputStreamReader(Files.newInputStream(file), decoder), 1 << 16));
        } catch (IOException e) {
            throw new CorpusException("cannot read " + file + ": " + e.getMessage());
        }
    }

    /**
     * The documents of the next lines, at most {@code max} of them (fewer at the end of the
     * file; empty when it is over). Blank lines are passed over.
     */
    public List<CorpusText> next(int max) {
        List<CorpusText> out = new ArrayList<>(max);
        while (out.size() < max) {
            String line = readLine();
            if (line == null) break;
            String text = document(line, lines - 1, format, file.toString());
            if (text != null) out.add(new CorpusText(lines - 1, text));
        }
        return out;
    }

    /** Reads past {@code count} lines (to resume after them); false when the file has fewer. */
    public boolean skip(int count) {
        while (lines < count) {
            if (readLine() == null) return false;
        }
        return true;
    }

    /** Lines read so far, blank ones included. */
    public int lines() {
        return lines;
    }

    /** CRC-32 of the lines read so far (their UTF-8 bytes, each followed by a newline). */
    public long checksum() {
        return crc.getValue();
    }

    /**
     * The document a line holds, or null for a blank line (or a JSON object whose text is blank).
     *
     * @param doc the line's 0-based number, for messages
     */
    public static String document(String line, int doc, Format format, String file) {
        if (doc == 0 && line.startsWith("\uFEFF")) line = line.substring(1);
        if (line.isBlank()) return null;
        if (format == Format.TEXT) return line;
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JsonProcessingException e) {
            throw new CorpusException("line " + (doc + 1) + " of " + file + " is not a JSON object");
        }
        if (node == null || !node.isObject()) throw new CorpusException("line " + (doc + 1) + " of " + file + " is not a JSON object");
        JsonNode text = node.get("text");
        if (text == null || !text.isTextual()) {
            throw new CorpusException("line " + (doc + 1) + " of " + file + " has no \"text\" string");
        }
        return text.asText().isBlank() ? null : text.asText();
    }

    private String readLine() {
        try {
            String line = reader.readLine();
            if (line == null) return null;
            lines++;
            crc.update((line + "\n").getBytes(StandardCharsets.UTF_8));
            return line;
        } catch (CharacterCodingException e) {
            throw new CorpusException(file + " is not valid UTF-8 (near line " + (lines + 1) + ")");
        } catch (IOException e) {
            throw new CorpusException("cannot read " + file + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new CorpusException("cannot read " + file + ": " + e.getCause().getMessage());
        }
    }

    @Override
    public void close() {
        try {
            reader.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
