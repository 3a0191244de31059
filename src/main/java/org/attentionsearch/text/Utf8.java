package org.attentionsearch.text;

/**
 * UTF-8 decoding that never fails, like Rust's {@code String::from_utf8_lossy} (and llama.cpp's
 * callers): each maximal ill-formed subsequence becomes one U+FFFD, the Unicode recommended practice.
 */
final class Utf8 {
    private Utf8() {}

    static String decodeLossy(byte[] b, int from, int to) {
        StringBuilder out = new StringBuilder(to - from);
        int i = from;
        while (i < to) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                out.append((char) c);
                i++;
                continue;
            }
            int need;
            int cp;
            int lo = 0x80;
            int hi = 0xBF;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                cp = c & 0x1F;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                cp = c & 0x0F;
                if (c == 0xE0) {
                    lo = 0xA0;
                } else if (c == 0xED) {
                    hi = 0x9F;
                }
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                cp = c & 0x07;
                if (c == 0xF0) {
                    lo = 0x90;
                } else if (c == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                out.append('\uFFFD');
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                int d = j < to ? b[j] & 0xFF : -1;
                if (d < lo || d > hi) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (d & 0x3F);
                lo = 0x80;
                hi = 0xBF;
            }
            if (ok) {
                out.appendCodePoint(cp);
                i = j;
            } else {
                out.append('\uFFFD');
                i = j;
            }
        }
        return out.toString();
    }

    static String decodeLossy(byte[] b) {
        return decodeLossy(b, 0, b.length);
    }
}
