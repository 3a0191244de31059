package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

/** Where lines end, what a final newline means, and what a bad line leaves of the others. */
class InputLinesTest {

    @Test
    void linesEndAtLineFeedOrCarriageReturnLineFeedOnly() throws IOException {
        assertEquals(List.of("1:a\rb", "2:c", "3:d"), lines("a\rb\r\nc\nd"));
        assertEquals(List.of("1:tail\r"), lines("tail\r"), "a CR without LF is no line end");
        assertEquals(List.of("1:x\r\r"), lines("x\r\r\r\n"), "only the CR right before the LF goes");
    }

    @Test
    void aFinalNewlineEndsTheLastLineAndAddsNone() throws IOException {
        assertEquals(lines("a\nb"), lines("a\nb\n"));
        assertEquals(List.of("1:a", "2:b"), lines("a\r\nb\r\n"));
        assertEquals(List.of("1:a", "2 empty"), lines("a\n\n"));
        assertEquals(List.of("1 empty", "2:a"), lines("\na"));
        assertEquals(List.of(), lines(""));
        assertEquals(List.of("1 empty"), lines("\n"));
        assertEquals(List.of("1:a", "2 empty", "3:c"), lines("a\n  \t\nc"));
    }

    @Test
    void badUtf8SpoilsOnlyItsOwnLineAndSaysWhere() throws IOException {
        byte[] bytes = {'o', 'k', '\n', 'a', (byte) 0xC3, '(', '\n', (byte) 0xE2, (byte) 0x82, '\n', 'f', 'i', 'n', 'e'};
        List<InputLines.Line> got = read(new ByteArrayInputStream(bytes));
        assertEquals(4, got.size());
        assertEquals("ok", got.get(0).text());
        assertEquals("line 2 is not valid UTF-8 (at byte 2 of the line)", got.get(1).problem());
        assertEquals("line 3 is not valid UTF-8 (at byte 1 of the line)", got.get(2).problem());
        assertEquals("fine", got.get(3).text());
    }

    @Test
    void aByteOrderMarkBeforeTheFirstLineIsDropped() throws IOException {
        assertEquals(List.of("1:a", "2:\uFEFFb"), lines("\uFEFFa\n\uFEFFb"));
    }

    @Test
    void linesLongerThanTheReadBufferAndTrickledBytesStayWhole() throws IOException {
        String longLine = "word ".repeat(40_000).strip();
        assertEquals(List.of("1:" + longLine, "2:é ü"), lines(longLine + "\r\né ü\n"));
        // A stream that hands over one byte at a time splits lines and characters nowhere else.
        byte[] bytes = "ab\r\nçd\re\n".getBytes(StandardCharsets.UTF_8);
        InputStream trickle = new ByteArrayInputStream(bytes) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 1));
            }
        };
        List<String> got = new ArrayList<>();
        for (InputLines.Line l : read(trickle)) got.add(l.number() + ":" + l.text());
        assertEquals(List.of("1:ab", "2:çd\re"), got);
    }

    private static List<String> lines(String s) throws IOException {
        List<String> out = new ArrayList<>();
        for (InputLines.Line l : read(new ByteArrayInputStream(s.getBytes(StandardCharsets.UTF_8)))) {
            if (l.problem() != null) {
                assertNull(l.text());
                assertEquals("line " + l.number() + " is empty", l.problem());
                out.add(l.number() + " empty");
            } else {
                out.add(l.number() + ":" + l.text());
            }
        }
        return out;
    }

    private static List<InputLines.Line> read(InputStream in) throws IOException {
        InputLines reader = new InputLines(in);
        List<InputLines.Line> out = new ArrayList<>();
        for (InputLines.Line l; (l = reader.next()) != null; ) out.add(l);
        return out;
    }
}
