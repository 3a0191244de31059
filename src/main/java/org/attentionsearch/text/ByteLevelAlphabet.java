package org.attentionsearch.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's bytes-to-unicode map: every byte value is shown as a printable character, so that
 * byte-level vocabularies are plain strings. Printable Latin-1 bytes ({@code !..~}, {@code ¡..¬},
 * {@code ®..ÿ}) stand for themselves; the other 68 bytes take U+0100, U+0101, ... in byte order
 * (a space is {@code Ġ}, a newline {@code Ċ}).
 */
final class ByteLevelAlphabet {
    private ByteLevelAlphabet() {}

    private static final int[] BYTE_TO_CHAR = new int[256];
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            BYTE_TO_CHAR[b] = printable ? b : next++;
            CHAR_TO_BYTE[BYTE_TO_CHAR[b]] = b;
        }
    }

    /** The character that shows byte {@code b} (0..255). */
    static int charOf(int b) {
        return BYTE_TO_CHAR[b & 0xFF];
    }

    /** The byte a character shows, or -1 if it is not in the alphabet. */
    static int byteOf(int c) {
        return c >= 0 && c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
    }

    /** The byte-level form of a string: each UTF-8 byte as its character. */
    static String encode(String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            out.append((char) charOf(b));
        }
        return out.toString();
    }

    /**
     * Each code point replaced by the characters of its UTF-8 bytes, all aligned to that code point's span
     * (the reference inserts the second and later bytes after the first, so they share its alignment).
     */
    static AlignedText encode(AlignedText in) {
        AlignedText t = new AlignedText(in.length * 2, in.originStart);
        for (int k = 0; k < in.length; k++) {
            int cp = in.cps[k];
            int s = in.starts[k];
            int e = in.ends[k];
            if (cp < 0x80) {
                t.add(charOf(cp), s, e);
            } else if (cp < 0x800) {
                t.add(charOf(0xC0 | (cp >> 6)), s, e);
                t.add(charOf(0x80 | (cp & 0x3F)), s, e);
            } else if (cp < 0x10000) {
                t.add(charOf(0xE0 | (cp >> 12)), s, e);
                t.add(charOf(0x80 | ((cp >> 6) & 0x3F)), s, e);
                t.add(charOf(0x80 | (cp & 0x3F)), s, e);
            } else {
                t.add(charOf(0xF0 | (cp >> 18)), s, e);
                t.add(charOf(0x80 | ((cp >> 12) & 0x3F)), s, e);
                t.add(charOf(0x80 | ((cp >> 6) & 0x3F)), s, e);
                t.add(charOf(0x80 | (cp & 0x3F)), s, e);
            }
        }
        return t;
    }

    /**
     * The bytes a byte-level token stands for; a token with a character outside the alphabet (an added
     * token like {@code <|im_start|>} is usually inside it) stands for its own UTF-8 bytes instead.
     */
    static byte[] decode(String token) {
        byte[] out = new byte[token.length()];
        int n = 0;
        for (int i = 0; i < token.length(); i++) {
            int b = byteOf(token.charAt(i));
            if (b < 0) {
                return token.getBytes(StandardCharsets.UTF_8);
            }
            out[n++] = (byte) b;
        }
        return Arrays.copyOf(out, n);
    }
}
