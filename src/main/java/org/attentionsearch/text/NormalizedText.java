package org.attentionsearch.text;

import java.util.Arrays;

/**
 * A normalized piece of text as UTF-16 units, each aligned to the span {@code [start, end)} of the
 * original character it came from. Tokens get their original offsets from these alignments, the
 * way Hugging Face's NormalizedString keeps them. Also holds the scratch arrays the normalizer
 * reuses, so one instance serves a whole encode call without per-character allocation.
 */
final class NormalizedText {
    char[] chars = new char[64];
    int[] starts = new int[64];
    int[] ends = new int[64];
    int length;

    // Normalizer scratch: code points with alignments, and NFD items (code point, change flag, combining class).
    int[] cps = new int[64];
    int[] cpStarts = new int[64];
    int[] cpEnds = new int[64];
    int[] items = new int[64];
    int[] itemChanges = new int[64];
    int[] itemClasses = new int[64];
    final int[] lower = new int[2];

    void clear() {
        length = 0;
    }

    void append(int cp, int start, int end) {
        if (length + 2 > chars.length) {
            int n = Math.max(chars.length * 2, length + 2);
            chars = Arrays.copyOf(chars, n);
            starts = Arrays.copyOf(starts, n);
            ends = Arrays.copyOf(ends, n);
        }
        if (cp < 0x10000) {
            chars[length] = (char) cp;
            starts[length] = start;
            ends[length++] = end;
        } else {
            chars[length] = Character.highSurrogate(cp);
            chars[length + 1] = Character.lowSurrogate(cp);
            starts[length] = start;
            starts[length + 1] = start;
            ends[length] = end;
            ends[length + 1] = end;
            length += 2;
        }
    }

    void ensureCodePoints(int n) {
        if (cps.length < n) {
            int c = Math.max(n, cps.length * 2);
            cps = new int[c];
            cpStarts = new int[c];
            cpEnds = new int[c];
        }
    }

    void ensureItems(int n) {
        if (items.length < n) {
            int c = Math.max(n, items.length * 2);
            items = Arrays.copyOf(items, c);
            itemChanges = Arrays.copyOf(itemChanges, c);
            itemClasses = Arrays.copyOf(itemClasses, c);
        }
    }

    /** The piece {@code src[from, to)} unchanged, each unit aligned to its own original character. */
    void copyOf(char[] src, int from, int to) {
        clear();
        for (int i = from; i < to; ) {
            int cp = Character.codePointAt(src, i, to);
            int next = i + Character.charCount(cp);
            append(cp, i, next);
            i = next;
        }
    }

    String substring(int from, int to) {
        return new String(chars, from, to - from);
    }
}
