package org.attentionsearch.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Texts from the command line, or one per line from a UTF-8 file or standard input. */
final class TextInput {

    @Parameters(paramLabel = "TEXT", arity = "0..*", description = "The texts to analyse.")
    List<String> texts = new ArrayList<>();

    @Option(names = "--input", paramLabel = "FILE",
            description = "Read texts from FILE (UTF-8, one text per line; - for standard input) and print JSON Lines.")
    String input;

    boolean fromFile() {
        return input != null;
    }

    /** Checks where the texts come from before anything is loaded (the file itself is read later). */
    void checkSource() {
        if (input == null) {
            if (texts.isEmpty()) throw new UsageException("give a text to analyse, or --input FILE");
            for (int i = 0; i < texts.size(); i++) {
                if (texts.get(i).isBlank()) throw new UsageException("text " + (i + 1) + " is empty");
            }
            return;
        }
        if (!texts.isEmpty()) throw new UsageException("give texts either as arguments or with --input, not both");
        if (input.equals("-")) return;
        Path p = Path.of(input);
        if (!Files.exists(p)) throw new UsageException("cannot read " + input + ": no such file");
        if (Files.isDirectory(p)) throw new UsageException("cannot read " + input + ": it is a directory");
    }

    /** Hands the texts to {@code sink} in batches of at most {@code batchSize}, reading files lazily. */
    void forEachBatch(int batchSize, Consumer<List<String>> sink) {
        if (input == null) {
            if (texts.isEmpty()) throw new UsageException("give a text to analyse, or --input FILE");
            for (int i = 0; i < texts.size(); i++) {
                if (texts.get(i).isBlank()) throw new UsageException("text " + (i + 1) + " is empty");
            }
            for (int i = 0; i < texts.size(); i += batchSize) {
                sink.accept(texts.subList(i, Math.min(texts.size(), i + batchSize)));
            }
            return;
        }
        if (!texts.isEmpty()) throw new UsageException("give texts either as arguments or with --input, not both");
        String name = input.equals("-") ? "standard input" : input;
        try (BufferedReader reader = open()) {
            List<String> batch = new ArrayList<>();
            int lineNumber = 0;
            for (String line; (line = reader.readLine()) != null; ) {
                lineNumber++;
                if (lineNumber == 1 && line.startsWith("\uFEFF")) line = line.substring(1);
                if (line.isBlank()) throw new UsageException("line " + lineNumber + " of " + name + " is empty");
                batch.add(line);
                if (batch.size() == batchSize) {
                    sink.accept(batch);
                    batch = new ArrayList<>();
                }
            }
            if (lineNumber == 0) throw new UsageException(name + " has no lines");
            if (!batch.isEmpty()) sink.accept(batch);
        } catch (CharacterCodingException e) {
            throw new UsageException(name + " is not valid UTF-8");
        } catch (NoSuchFileException e) {
            throw new UsageException("cannot read " + name + ": no such file");
        } catch (IOException e) {
            throw new UsageException("cannot read " + name + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new UsageException("cannot read " + name + ": " + e.getCause().getMessage());
        }
    }

    private BufferedReader open() throws IOException {
        var decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        if (input.equals("-")) return new BufferedReader(new InputStreamReader(System.in, decoder), 1 << 16);
        Path p = Path.of(input);
        if (Files.isDirectory(p)) throw new UsageException("cannot read " + input + ": it is a directory");
        return new BufferedReader(new InputStreamReader(Files.newInputStream(p), decoder), 1 << 16);
    }
}
