package org.attentionsearch.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The lines of a UTF-8 byte stream, numbered from 1. A line ends at {@code \n} or {@code \r\n}
 * and nowhere else: a bare {@code \r} inside a line stays in it. A final newline ends the last
 * line rather than starting an empty one, so "a\nb\n" and "a\nb" are both two lines, and
 * "a\n\n" is two lines, the second empty. Each line is decoded on its own, so one line of bad
 * UTF-8 spoils only itself; a byte-order mark before the first line is dropped.
 */
final class InputLines {

    /** One line: its 1-based number, its text, or why it cannot be used (then text is null). */
    record Line(int number, String text, String problem) {
    }

    /** A longer line is reported and skipped rather than held in memory whole. */
    static final int MAX_LINE_BYTES = 16 << 20;

    private final InputStream in;
    private final byte[] buffer = new byte[1 << 16];
    private int pos, limit;
    private boolean end;
    private byte[] line = new byte[1024];
    private int length;
    private int number;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    InputLines(InputStream in) {
        this.in = in;
    }

    /** The next line, or null after the last. */
    Line next() throws IOException {
        length = 0;
        boolean started = false, tooLong = false, ended = false;
        while (!ended) {
            if (pos == limit && !fill()) break;
            started = true;
            int newline = pos;
            while (newline < limit && buffer[newline] != '\n') newline++;
            int take = newline - pos;
            if (!tooLong && (long) length + take > MAX_LINE_BYTES) tooLong = true;
            if (!tooLong) append(pos, take);
            ended = newline < limit;
            pos = ended ? newline + 1 : limit;
        }
        if (!started) return null;
        number++;
        if (tooLong) return problem("is longer than " + (MAX_LINE_BYTES >> 20) + " MiB");
        if (ended && length > 0 && line[length - 1] == '\r') length--; // \r\n ends a line as \n does
        int from = 0;
        if (number == 1 && length >= 3 && (line[0] & 0xFF) == 0xEF && (line[1] & 0xFF) == 0xBB && (line[2] & 0xFF) == 0xBF) {
            from = 3;
        }
        ByteBuffer bytes = ByteBuffer.wrap(line, from, length - from);
        CharBuffer chars = CharBuffer.allocate(length - from);
        utf8.reset();
        CoderResult r = utf8.decode(bytes, chars, true);
        if (!r.isError()) r = utf8.flush(chars);
        if (r.isError()) return problem("is not valid UTF-8 (at byte " + (bytes.position() + 1) + " of the line)");
        String text = chars.flip().toString();
        if (text.isBlank()) return problem("is empty");
        return new Line(number, text, null);
    }

    private Line problem(String what) {
        return new Line(number, null, "line " + number + " " + what);
    }

    private boolean fill() throws IOException {
        if (end) return false;
        int r = in.read(buffer);
        if (r <= 0) {
            end = true;
            return false;
        }
        pos = 0;
        limit = r;
        return true;
    }

    private void append(int from, int count) {
        if (length + count > line.length) line = Arrays.copyOf(line, Math.max(length + count, 2 * line.length));
        System.arraycopy(buffer, from, line, length, count);
        length += count;
    }
}
