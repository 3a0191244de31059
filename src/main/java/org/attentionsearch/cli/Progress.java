package org.attentionsearch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A one-line progress bar on stderr (items done, items per second, and the time left when the
 * total is known), shown only when stderr is a terminal and redrawn at most five times a second.
 */
final class Progress implements AutoCloseable {

    private static final long REDRAW_NANOS = 200_000_000L;

    private final PrintStream err;
    private final long total;
    private final long start = System.nanoTime();
    private long done;
    private long lastDraw;
    private boolean drawn;

    private Progress(PrintStream err, long total) {
        this.err = err;
        this.total = total;
    }

    /** A bar for texts read from {@code input} ("-" is stdin, whose length is unknown), or null when stderr is no terminal. */
    static Progress forInput(String input, PrintStream err) {
        if (input == null || !"1".equals(System.getenv("ATTENTION_SEARCH_STDERR_TTY"))) return null;
        // Only a regular file can be counted ahead; a pipe read to the end would be gone.
        Path path = input.equals("-") ? null : Path.of(input);
        long total = path != null && Files.isRegularFile(path) ? countLines(path) : -1;
        return new Progress(err, total);
    }

    void advance(int items) {
        done += items;
        long now = System.nanoTime();
        if (now - lastDraw < REDRAW_NANOS) return;
        lastDraw = now;
        draw(now);
    }

    private void draw(long now) {
        double seconds = Math.max(1e-9, (now - start) / 1e9);
        double rate = done / seconds;
        StringBuilder line = new StringBuilder("\r");
        if (total > 0) {
            double f = Math.min(1, (double) done / total);
            int cells = (int) Math.round(f * 24);
            line.append('[').append("#".repeat(cells)).append("-".repeat(24 - cells)).append("] ");
            line.append(String.format(Locale.ROOT, "%,d/%,d", done, total));
            if (rate > 0) line.append(" · ETA ").append(clock((total - done) / rate));
        } else {
            line.append(String.format(Locale.ROOT, "%,d", done));
        }
        line.append(String.format(Locale.ROOT, " · %.1f texts/s  ", rate));
        err.print(line);
        err.flush();
        drawn = true;
    }

    private static String clock(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600 ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }

    /** Counts lines without decoding: one pass over the bytes. */
    private static long countLines(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            long lines = 0;
            int last = '\n';
            for (int r; (r = in.read(buffer)) > 0; ) {
                for (int i = 0; i < r; i++) if (buffer[i] == '\n') lines++;
                last = buffer[r - 1];
            }
            return last == '\n' ? lines : lines + 1;
        } catch (IOException | RuntimeException e) {
            return -1;   // the reader reports the real problem
        }
    }

    @Override
    public void close() {
        if (drawn) {
            draw(System.nanoTime());
            err.println();
        }
    }
}
