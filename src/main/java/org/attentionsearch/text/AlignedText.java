package org.attentionsearch.text;

import java.util.Arrays;

/**
 * A piece of text on its way through normalizers and pre-tokenizers, as code points, each aligned to
 * the span {@code [start, end)} of the original text (UTF-16 indices) it came from: Hugging Face's
 * NormalizedString with absolute offsets. Transformations follow its rules, so that tokens get the
 * same original spans: a replacing character takes the alignment of the character it replaces, an
 * inserted one that of the character before it.
 * <p>Mutable while it is built, then only read.
 */
final class AlignedText {
    int[] cps;
    int[] starts;
    int[] ends;
    int length;
    /** Where this piece starts in the original text (its offset even when it is empty or grows at the front). */
    final int originStart;

    AlignedText(int capacity, int originStart) {
        int n = Math.max(capacity, 4);
        cps = new int[n];
        starts = new int[n];
        ends = new int[n];
        this.originStart = originStart;
    }

    /**
     * The original {@code text[from, to)} with each code point aligned to itself. A lone surrogate is
     * read as U+FFFD (what a UTF-8 encoder makes of it), keeping its own one-unit span.
     */
    static AlignedText of(String text, int from, int to) {
        AlignedText t = new AlignedText(to - from, from);
        for (int i = from; i < to; ) {
            int cp = Character.codePointAt(text, i);
            int next = i + Character.charCount(cp);
            if (next > to) {
                cp = text.charAt(i);
                next = i + 1;
            }
            t.add(Character.isSurrogate((char) cp) && cp < 0x10000 ? 0xFFFD : cp, i, next);
            i = next;
        }
        return t;
    }

    void add(int cp, int start, int end) {
        if (length == cps.length) {
            int n = length * 2;
            cps = Arrays.copyOf(cps, n);
            starts = Arrays.copyOf(starts, n);
            ends = Arrays.copyOf(ends, n);
        }
        cps[length] = cp;
        starts[length] = start;
        ends[length++] = end;
    }

    boolean isEmpty() {
        return length == 0;
    }

    /** Code points {@code [from, to)} as a new piece, starting where its first character came from. */
    AlignedText slice(int from, int to) {
        AlignedText t = new AlignedText(to - from, from < length ? starts[from] : originEnd());
        System.arraycopy(cps, from, t.cps, 0, to - from);
        System.arraycopy(starts, from, t.starts, 0, to - from);
        System.arraycopy(ends, from, t.ends, 0, to - from);
        t.length = to - from;
        return t;
    }

    /** Where this piece ends in the original text. */
    int originEnd() {
        return length == 0 ? originStart : ends[length - 1];
    }

    /** Original span start of the code points {@code [from, to)}. */
    int originalStart(int from) {
        return starts[from];
    }

    /** Original span end of the code points {@code [from, to)}. */
    int originalEnd(int to) {
        return ends[to - 1];
    }

    /**
     * Puts {@code prefix} in front, Hugging Face's way: the prefix's first character replaces the
     * first character's alignment slot, which is then inserted again, so all share its alignment.
     * Nothing happens to an empty piece.
     */
    AlignedText prepend(String prefix) {
        if (length == 0) {
            return this;
        }
        int[] p = prefix.codePoints().toArray();
        AlignedText t = new AlignedText(length + p.length, originStart);
        for (int cp : p) {
            t.add(cp, starts[0], ends[0]);
        }
        for (int k = 0; k < length; k++) {
            t.add(cps[k], starts[k], ends[k]);
        }
        return t;
    }

    /** Every occurrence of {@code from} replaced by {@code to}, each aligned to the code point it replaces. */
    AlignedText replaceChar(int from, int to) {
        AlignedText t = new AlignedText(length, originStart);
        for (int k = 0; k < length; k++) {
            t.add(cps[k] == from ? to : cps[k], starts[k], ends[k]);
        }
        return t;
    }

    /**
     * Each match of {@code pattern} replaced by {@code content}; the inserted characters all take the
     * alignment of the last character of the match (an empty match: of the character before it).
     */
    AlignedText replace(Regex pattern, String content) {
        int[] matches = pattern.findAll(cps, length);
        if (matches.length == 0) {
            return this;
        }
        int[] c = content.codePoints().toArray();
        AlignedText t = new AlignedText(length + c.length, originStart);
        int last = 0;
        for (int m = 0; m < matches.length; m += 2) {
            int s = matches[m];
            int e = matches[m + 1];
            for (int k = last; k < s; k++) {
                t.add(cps[k], starts[k], ends[k]);
            }
            for (int cp : c) {
                if (e > 0) {
                    t.add(cp, starts[e - 1], ends[e - 1]);
                } else {
                    t.add(cp, originStart, originStart);
                }
            }
            last = e;
        }
        for (int k = last; k < length; k++) {
            t.add(cps[k], starts[k], ends[k]);
        }
        return t;
    }

    /** Each occurrence of the literal {@code needle} replaced by {@code content} (Hugging Face's String pattern). */
    AlignedText replace(String needle, String content) {
        int[] n = needle.codePoints().toArray();
        if (n.length == 0) {
            return this;
        }
        int[] c = content.codePoints().toArray();
        AlignedText t = new AlignedText(length, originStart);
        int k = 0;
        while (k < length) {
            if (k + n.length <= length && matchesAt(k, n)) {
                int e = k + n.length;
                for (int cp : c) {
                    t.add(cp, starts[e - 1], ends[e - 1]);
                }
                k = e;
            } else {
                t.add(cps[k], starts[k], ends[k]);
                k++;
            }
        }
        return t;
    }

    private boolean matchesAt(int at, int[] needle) {
        for (int j = 0; j < needle.length; j++) {
            if (cps[at + j] != needle[j]) {
                return false;
            }
        }
        return true;
    }

    /** The code points as a Java string. */
    String text() {
        return new String(cps, 0, length);
    }

    @Override
    public String toString() {
        return text();
    }
}
