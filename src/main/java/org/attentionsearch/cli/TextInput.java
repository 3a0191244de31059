package org.attentionsearch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
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
            description = "Read texts from FILE (UTF-8, one text per line, ended by \\n or \\r\\n; - for standard input) "
                    + "and print one JSON line per input line ({\"line\":n,\"error\":…} for a line that fails).")
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

    /**
     * Hands the texts to {@code sink} in batches of at most {@code batchSize}, reading files
     * lazily. From a file every line is answered: a line that cannot be processed gets an error
     * line in its place (see {@link TextBatch}), and once all are done this throws a UsageException
     * (exit 2) saying how many failed.
     */
    void forEachBatch(int batchSize, Consumer<TextBatch> sink) {
        if (input == null) {
            checkSource();
            for (int i = 0; i < texts.size(); i += batchSize) {
                List<TextBatch.Text> batch = new ArrayList<>();
                for (int j = i; j < Math.min(texts.size(), i + batchSize); j++) batch.add(new TextBatch.Text(j + 1, texts.get(j), null));
                sink.accept(new TextBatch(batch, false));
            }
            return;
        }
        if (!texts.isEmpty()) throw new UsageException("give texts either as arguments or with --input, not both");
        String name = input.equals("-") ? "standard input" : input;
        int lines = 0, failed = 0;
        String firstError = null;
        try (InputStream in = open()) {
            InputLines reader = new InputLines(in);
            List<TextBatch.Text> pending = new ArrayList<>();
            for (InputLines.Line line; ; ) {
                line = reader.next();
                if (line != null) {
                    lines++;
                    pending.add(new TextBatch.Text(line.number(), line.text(), line.problem()));
                }
                if (pending.size() == batchSize || (line == null && !pending.isEmpty())) {
                    TextBatch batch = new TextBatch(pending, true);
                    sink.accept(batch);
                    for (String error : batch.errors()) {
                        if (error == null) continue;
                        failed++;
                        if (firstError == null) firstError = error;
                    }
                    pending = new ArrayList<>();
                }
                if (line == null) break;
            }
        } catch (NoSuchFileException e) {
            throw new UsageException("cannot read " + name + ": no such file");
        } catch (IOException e) {
            throw new UsageException("cannot read " + name + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw new UsageException("cannot read " + name + ": " + e.getCause().getMessage());
        }
        if (lines == 0) throw new UsageException(name + " has no lines");
        if (failed > 0) {
            throw new UsageException(failed + " of " + lines + " lines of " + name + " could not be processed (first: "
                    + firstError + "); each has {\"line\": n, \"error\": …} in its place in the output");
        }
    }

    private InputStream open() throws IOException {
        if (input.equals("-")) return System.in;
        Path p = Path.of(input);
        if (Files.isDirectory(p)) throw new UsageException("cannot read " + input + ": it is a directory");
        return Files.newInputStream(p);
    }
}
