package org.attentionsearch.text;

/**
 * Hugging Face's BertNormalizer: clean text, isolate CJK ideographs, strip accents, lowercase,
 * applied in that order, keeping every output character aligned to its original character.
 */
final class BertNormalizer {
    private final boolean cleanText;
    private final boolean handleChineseChars;
    private final boolean stripAccents;
    private final boolean lowercase;

    /** {@code stripAccents == null} means "strip accents if lowercasing", as in the reference. */
    BertNormalizer(boolean cleanText, boolean handleChineseChars, Boolean stripAccents, boolean lowercase) {
        this.cleanText = cleanText;
        this.handleChineseChars = handleChineseChars;
        this.stripAccents = stripAccents == null ? lowercase : stripAccents;
        this.lowercase = lowercase;
    }

    /** Normalizes {@code src[from, to)} into {@code out} (cleared first); alignments are indices into {@code src}. */
    void normalize(char[] src, int from, int to, NormalizedText out) {
        out.clear();
        int n = cleanAndSpace(src, from, to, out);
        if (stripAccents) {
            decomposeAndStrip(n, from, out);
        } else {
            for (int k = 0; k < n; k++) {
                emit(out.cps[k], out.cpStarts[k], out.cpEnds[k], out);
            }
        }
    }

    /** Stage 1: code points of the piece, cleaned and with spaces around CJK ideographs. Returns the count. */
    private int cleanAndSpace(char[] src, int from, int to, NormalizedText out) {
        out.ensureCodePoints(3 * (to - from));
        int[] cps = out.cps;
        int[] starts = out.cpStarts;
        int[] ends = out.cpEnds;
        int n = 0;
        for (int i = from; i < to; ) {
            int cp = Character.codePointAt(src, i, to);
            int start = i;
            i += Character.charCount(cp);
            if (cleanText) {
                // Tab, LF and CR are Cc but count as whitespace; every other Cc/Cf/Co, NUL and U+FFFD go.
                if (cp == 0 || cp == 0xFFFD || (cp != '\t' && cp != '\n' && cp != '\r' && CharClasses.isOther(cp))) {
                    continue;
                }
                if (CharClasses.isWhitespace(cp)) {
                    cp = ' ';
                }
            }
            if (handleChineseChars && cp >= 0x3400 && CharClasses.isChineseChar(cp)) {
                cps[n] = ' ';
                starts[n] = start;
                ends[n++] = i;
                cps[n] = cp;
                starts[n] = start;
                ends[n++] = i;
                cps[n] = ' ';
                starts[n] = start;
                ends[n++] = i;
            } else {
                cps[n] = cp;
                starts[n] = start;
                ends[n++] = i;
            }
        }
        return n;
    }

    /**
     * Stage 2: NFD, then drop nonspacing marks. Canonical reordering moves marks, but the reference
     * assigns alignments by position (the k-th "replacing" output character takes the k-th input
     * alignment, an "added" one repeats the previous), so this does the same.
     */
    private void decomposeAndStrip(int n, int pieceStart, NormalizedText out) {
        out.ensureItems(4 * n + 16);
        int m = 0;
        int runStart = 0;
        for (int k = 0; k < n; k++) {
            int cp = out.cps[k];
            int[] d = CharClasses.decomposition(cp);
            if (d == null) {
                m = push(out, m, cp, 0, runStart);
                if (out.itemClasses[m - 1] == 0) {
                    runStart = m;
                }
            } else {
                if (m + d.length > out.items.length) {
                    out.ensureItems(2 * (m + d.length));
                }
                for (int j = 0; j < d.length; j++) {
                    m = push(out, m, d[j], j == 0 ? 0 : 1, runStart);
                    if (out.itemClasses[m - 1] == 0) {
                        runStart = m;
                    }
                }
            }
        }
        CharClasses.sortByClass(out.items, out.itemChanges, out.itemClasses, runStart, m);

        int consumed = 0;
        for (int j = 0; j < m; j++) {
            int start;
            int end;
            if (out.itemChanges[j] == 0) {
                start = out.cpStarts[consumed];
                end = out.cpEnds[consumed];
                consumed++;
            } else if (consumed == 0) {
                start = pieceStart;
                end = pieceStart;
            } else {
                start = out.cpStarts[consumed - 1];
                end = out.cpEnds[consumed - 1];
            }
            int cp = out.items[j];
            if (!CharClasses.isNonspacingMark(cp)) {
                emit(cp, start, end, out);
            }
        }
    }

    /** Appends one NFD item; a starter first closes (sorts) the pending run of non-starters. */
    private static int push(NormalizedText out, int m, int cp, int change, int runStart) {
        int ccc = CharClasses.combiningClass(cp);
        if (ccc == 0) {
            CharClasses.sortByClass(out.items, out.itemChanges, out.itemClasses, runStart, m);
        }
        if (m == out.items.length) {
            out.ensureItems(2 * m);
        }
        out.items[m] = cp;
        out.itemChanges[m] = change;
        out.itemClasses[m] = ccc;
        return m + 1;
    }

    private void emit(int cp, int start, int end, NormalizedText out) {
        if (!lowercase) {
            out.append(cp, start, end);
            return;
        }
        if (cp < 0x80) {
            out.append(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp, start, end);
            return;
        }
        // Every code point of a multi-character lowercase keeps the original character's alignment.
        int[] l = out.lower;
        int k = CharClasses.lowercase(cp, l, 0);
        for (int j = 0; j < k; j++) {
            out.append(l[j], start, end);
        }
    }
}
