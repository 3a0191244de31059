package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds added tokens (like {@code [MASK]}) in text, as Hugging Face's AddedVocabulary does:
 * leftmost-longest non-overlapping matches, then the {@code single_word}, {@code lstrip} and
 * {@code rstrip} rules of the matched token.
 */
final class AddedTokenMatcher {

    /** One entry of tokenizer.json's {@code added_tokens}. */
    record AddedToken(String content, int id, boolean special, boolean singleWord, boolean lstrip, boolean rstrip,
                      boolean normalized) {}

    /** Match results as triples {@code start, end, token index}, reused across calls. */
    static final class Matches {
        int[] data = new int[12];
        int size;

        void add(int start, int end, int token) {
            if (size + 3 > data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[size++] = start;
            data[size++] = end;
            data[size++] = token;
        }

        int count() {
            return size / 3;
        }

        int start(int i) {
            return data[3 * i];
        }

        int end(int i) {
            return data[3 * i + 1];
        }

        int token(int i) {
            return data[3 * i + 2];
        }
    }

    private final AddedToken[] tokens;
    private final char[][] patterns;
    /** Pattern indices by first UTF-16 unit, longest first, so the first hit at a position is the longest. */
    private final Map<Character, int[]> byFirstChar = new HashMap<>();
    /** One bit per UTF-16 unit that starts some pattern: most text positions are rejected without a map lookup. */
    private final long[] firstChars = new long[1024];

    /** {@code patterns.get(i)} is the text to look for for {@code tokens.get(i)}; empty patterns are ignored. */
    AddedTokenMatcher(List<AddedToken> tokens, List<String> patterns) {
        this.tokens = tokens.toArray(new AddedToken[0]);
        this.patterns = new char[patterns.size()][];
        Map<Character, List<Integer>> lists = new HashMap<>();
        for (int i = 0; i < patterns.size(); i++) {
            this.patterns[i] = patterns.get(i).toCharArray();
            if (this.patterns[i].length > 0) {
                lists.computeIfAbsent(this.patterns[i][0], k -> new ArrayList<>()).add(i);
            }
        }
        for (Map.Entry<Character, List<Integer>> e : lists.entrySet()) {
            List<Integer> l = e.getValue();
            l.sort(Comparator.comparingInt((Integer i) -> -this.patterns[i].length).thenComparingInt(i -> i));
            byFirstChar.put(e.getKey(), l.stream().mapToInt(Integer::intValue).toArray());
            char c = e.getKey();
            firstChars[c >>> 6] |= 1L << c;
        }
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    AddedToken token(int index) {
        return tokens[index];
    }

    /** Tokenizes the stretch {@code [from, to)} of a text between added tokens. */
    interface Stretch {
        void encode(int from, int to);
    }

    /**
     * Tokenizes {@code text} (whose UTF-16 units are {@code chars}) with the added tokens cut out
     * first: each one found goes to {@code out} as its token with its span, each non-empty stretch
     * before, between and after them to {@code between}. {@code matches} is working memory.
     */
    void cutOut(String text, char[] chars, Matches matches, TokenBuffer out, Stretch between) {
        find(chars, 0, chars.length, matches);
        int cursor = 0;
        for (int i = 0; i < matches.count(); i++) {
            int start = Math.max(cursor, matches.start(i));
            int end = matches.end(i);
            if (cursor < start) {
                between.encode(cursor, start);
            }
            out.add(tokens[matches.token(i)].id(), text.substring(start, end), start, end);
            cursor = end;
        }
        if (cursor < chars.length) {
            between.encode(cursor, chars.length);
        }
    }

    /** Finds the added tokens in {@code buf[from, to)}; {@code out} is cleared first. */
    void find(char[] buf, int from, int to, Matches out) {
        out.size = 0;
        if (byFirstChar.isEmpty()) {
            return;
        }
        int pos = from;
        int splitStart = from;
        while (pos < to) {
            int matchStart = -1;
            int pattern = -1;
            for (int i = pos; i < to && pattern < 0; i++) {
                char c = buf[i];
                if ((firstChars[c >>> 6] & (1L << c)) == 0) {
                    continue;
                }
                int[] candidates = byFirstChar.get(c);
                if (candidates != null) {
                    for (int p : candidates) {
                        if (matchesAt(buf, i, to, patterns[p])) {
                            matchStart = i;
                            pattern = p;
                            break;
                        }
                    }
                }
            }
            if (pattern < 0) {
                return;
            }
            int start = matchStart;
            int stop = matchStart + patterns[pattern].length;
            // The search resumes after the raw match even when the match is discarded or stretched.
            pos = stop;
            AddedToken t = tokens[pattern];
            if (t.singleWord()) {
                boolean spaceBefore = start == from || !isWordChar(Character.codePointBefore(buf, start, from));
                boolean spaceAfter = stop == to || !isWordChar(Character.codePointAt(buf, stop, to));
                if (!spaceBefore || !spaceAfter) {
                    continue;
                }
            }
            if (t.lstrip()) {
                int s = start;
                while (s > from && CharClasses.isWhitespace(Character.codePointBefore(buf, s, from))) {
                    s -= Character.charCount(Character.codePointBefore(buf, s, from));
                }
                start = Math.max(s, splitStart);
            }
            if (t.rstrip()) {
                while (stop < to && CharClasses.isWhitespace(Character.codePointAt(buf, stop, to))) {
                    stop += Character.charCount(Character.codePointAt(buf, stop, to));
                }
            }
            out.add(start, stop, pattern);
            splitStart = stop;
        }
    }

    private static boolean matchesAt(char[] buf, int at, int to, char[] pattern) {
        if (to - at < pattern.length) {
            return false;
        }
        for (int k = 0; k < pattern.length; k++) {
            if (buf[at + k] != pattern[k]) {
                return false;
            }
        }
        return true;
    }

    /** The regex class {@code \w} in its Unicode sense: Alphabetic, marks, decimal digits, Pc, joiners. */
    private static boolean isWordChar(int cp) {
        if (Character.isAlphabetic(cp) || cp == 0x200C || cp == 0x200D) {
            return true;
        }
        int t = Character.getType(cp);
        return t == Character.NON_SPACING_MARK || t == Character.ENCLOSING_MARK || t == Character.COMBINING_SPACING_MARK
                || t == Character.DECIMAL_DIGIT_NUMBER || t == Character.CONNECTOR_PUNCTUATION;
    }
}
