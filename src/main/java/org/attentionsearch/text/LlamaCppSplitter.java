package org.attentionsearch.text;

import java.util.Arrays;
import java.util.List;

/**
 * llama.cpp's pre-tokenizer for byte-level BPE vocabularies: a list of expressions applied in turn,
 * each splitting every piece the previous one left. The common expressions (GPT-2's, Llama 3's,
 * Qwen2's) are not run as regular expressions there but by hand-written scanners with their own
 * small departures from the patterns they stand for; those are reproduced here step for step. Any
 * other expression runs as llama.cpp runs it: over a "collapsed" text where every code point from
 * U+0080 up is replaced by one byte for its category, with {@code \p{..}} rewritten to match that byte.
 * Character classes are Unicode 15.1's ({@link GeneralCategory}), llama.cpp's version.
 */
final class LlamaCppSplitter {

    /** GPT-2's pattern, scanned by hand. */
    static final String GPT2 = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)";
    /** Llama 3's pattern (case-insensitive contractions, digits in threes), scanned by hand. */
    static final String LLAMA3 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's pattern (Llama 3's with single digits), scanned by hand. */
    static final String QWEN2 = "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

    private enum Kind { GPT2, LLAMA3, QWEN2, COLLAPSED }

    private final Kind[] kinds;
    private final Regex[] collapsed;
    /** Whether an expression uses categories (then it runs on the collapsed text, else on the text itself). */
    private final boolean[] categorized;

    /** @throws TokenizerFormatException if an expression cannot be run */
    LlamaCppSplitter(List<String> expressions) {
        kinds = new Kind[expressions.size()];
        collapsed = new Regex[expressions.size()];
        categorized = new boolean[expressions.size()];
        for (int i = 0; i < kinds.length; i++) {
            String e = expressions.get(i);
            if (e.equals(GPT2)) {
                kinds[i] = Kind.GPT2;
            } else if (e.equals(LLAMA3) || e.equals("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+")) {
                kinds[i] = Kind.LLAMA3;
            } else if (e.equals(QWEN2)) {
                kinds[i] = Kind.QWEN2;
            } else {
                kinds[i] = Kind.COLLAPSED;
                String rewritten = collapse(e);
                categorized[i] = !rewritten.equals(e);
                collapsed[i] = Regex.compile(rewritten);
            }
        }
    }

    /** Word lengths in code points, in order, covering {@code cps[0, n)}. */
    int[] split(int[] cps, int n) {
        int[] pieces = {n};
        int count = n == 0 ? 0 : 1;
        for (int i = 0; i < kinds.length; i++) {
            Pieces out = new Pieces(count + 8);
            int start = 0;
            for (int p = 0; p < count; p++) {
                int end = start + pieces[p];
                switch (kinds[i]) {
                    case GPT2 -> gpt2(cps, start, end, out);
                    case LLAMA3 -> llama3(cps, start, end, true, out);
                    case QWEN2 -> llama3(cps, start, end, false, out);
                    case COLLAPSED -> regex(collapsed[i], categorized[i], cps, start, end, out);
                }
                start = end;
            }
            pieces = out.lengths;
            count = out.size;
        }
        return Arrays.copyOf(pieces, count);
    }

    /** Piece lengths as they are found. */
    private static final class Pieces {
        int[] lengths;
        int size;
        int last;

        Pieces(int capacity) {
            lengths = new int[Math.max(4, capacity)];
        }

        /** Ends the current piece at {@code end} (nothing if it would be empty); returns its length. */
        int cut(int end) {
            int len = end - last;
            if (len > 0) {
                if (size == lengths.length) {
                    lengths = Arrays.copyOf(lengths, size * 2);
                }
                lengths[size++] = len;
            }
            last = end;
            return len;
        }
    }

    // Character flags of one position; out of the piece is "no flags at all".
    private static final int LETTER = 1;
    private static final int NUMBER = 2;
    private static final int SPACE = 4;
    private static final int ANY = 8;

    private static int flags(int[] cps, int pos, int start, int end) {
        if (pos < start || pos >= end) {
            return 0;
        }
        int cp = cps[pos];
        int f = ANY;
        if (GeneralCategory.isLetter(cp)) {
            f |= LETTER;
        } else if (GeneralCategory.isNumber(cp)) {
            f |= NUMBER;
        }
        if (GeneralCategory.isWhitespace(cp)) {
            f |= SPACE;
        }
        return f;
    }

    private static final int OUT = -1;

    private static int at(int[] cps, int pos, int start, int end) {
        return pos >= start && pos < end ? cps[pos] : OUT;
    }

    private static boolean isOther(int f) {
        return (f & (SPACE | LETTER | NUMBER)) == 0 && f != 0;
    }

    private static int lower(int cp) {
        return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
    }

    /** The length of a contraction at {@code pos} ({@code 's}, {@code 're}, ...), or 0. */
    private static int contraction(int[] cps, int pos, int start, int end, boolean ignoreCase) {
        if (cps[pos] != '\'' || pos + 1 >= end) {
            return 0;
        }
        int next = at(cps, pos + 1, start, end);
        if (ignoreCase) {
            next = lower(next);
        }
        if (next == 's' || next == 't' || next == 'm' || next == 'd') {
            return 2;
        }
        if (pos + 2 < end) {
            int next2 = at(cps, pos + 2, start, end);
            if (ignoreCase) {
                next2 = lower(next2);
            }
            if ((next == 'r' && next2 == 'e') || (next == 'v' && next2 == 'e') || (next == 'l' && next2 == 'l')) {
                return 3;
            }
        }
        return 0;
    }

    private static void gpt2(int[] cps, int start, int end, Pieces out) {
        out.last = start;
        int pos = start;
        while (pos < end) {
            int cp = cps[pos];
            int flags = flags(cps, pos, start, end);
            int c = contraction(cps, pos, start, end, false);
            if (c > 0) {
                pos += out.cut(pos + c);
                continue;
            }
            int flags2 = cp == ' ' ? flags(cps, pos + 1, start, end) : flags;
            if ((flags2 & LETTER) != 0 || (flags2 & NUMBER) != 0) {
                int kind = flags2 & (LETTER | NUMBER);
                pos += cp == ' ' ? 1 : 0;
                while ((flags2 & kind) != 0) {
                    flags2 = flags(cps, ++pos, start, end);
                }
                out.cut(pos);
                continue;
            }
            if (isOther(flags2)) {
                pos += cp == ' ' ? 1 : 0;
                while (isOther(flags2)) {
                    flags2 = flags(cps, ++pos, start, end);
                }
                out.cut(pos);
                continue;
            }
            int spaces = 0;
            while ((flags(cps, pos + spaces, start, end) & SPACE) != 0) {
                spaces++;
            }
            pos = spaceRun(cps, pos, spaces, start, end, out);
        }
    }

    /** Llama 3's scanner; with {@code digitsInThrees} false, Qwen2's (one digit per piece). */
    private static void llama3(int[] cps, int start, int end, boolean digitsInThrees, Pieces out) {
        out.last = start;
        int pos = start;
        while (pos < end) {
            int cp = cps[pos];
            int flags = flags(cps, pos, start, end);
            int c = contraction(cps, pos, start, end, true);
            if (c > 0) {
                pos += out.cut(pos + c);
                continue;
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (!(cp == '\r' || cp == '\n' || (flags & NUMBER) != 0)) {
                if ((flags & LETTER) != 0 || (flags(cps, pos + 1, start, end) & LETTER) != 0) {
                    pos++;
                    while ((flags(cps, pos, start, end) & LETTER) != 0) {
                        pos++;
                    }
                    out.cut(pos);
                    continue;
                }
            }
            if ((flags & NUMBER) != 0) {
                if (digitsInThrees) {
                    int first = pos;
                    while ((flags(cps, pos, start, end) & NUMBER) != 0) {
                        if (++pos - first >= 3) {
                            out.cut(pos);
                            first = pos;
                        }
                    }
                    out.cut(pos);
                } else {
                    out.cut(++pos);
                }
                continue;
            }
            // " ?[^\s\p{L}\p{N}]+[\r\n]*": the scanner tests the first character's own flags, not the one after the space.
            int flags2 = cp == ' ' ? flags(cps, pos + 1, start, end) : flags;
            if ((flags2 & (SPACE | LETTER | NUMBER)) == 0 && flags != 0) {
                pos += cp == ' ' ? 1 : 0;
                while (isOther(flags2)) {
                    flags2 = flags(cps, ++pos, start, end);
                }
                int c2 = at(cps, pos, start, end);
                while (c2 == '\r' || c2 == '\n') {
                    c2 = at(cps, ++pos, start, end);
                }
                out.cut(pos);
                continue;
            }
            int spaces = 0;
            int lastLineEnd = 0;
            while ((flags(cps, pos + spaces, start, end) & SPACE) != 0) {
                int c2 = at(cps, pos + spaces, start, end);
                if (c2 == '\r' || c2 == '\n') {
                    lastLineEnd = pos + spaces + 1;
                }
                spaces++;
            }
            if (lastLineEnd > 0) {
                pos = lastLineEnd;
                out.cut(pos);
                continue;
            }
            pos = spaceRun(cps, pos, spaces, start, end, out);
        }
    }

    /**
     * Both scanners' last rules, {@code \s+(?!\S)|\s+} and then any one character, on the run of
     * {@code spaces} whitespace characters at {@code pos}: all but its last space when more of the piece
     * follows, else the whole run; with no run, the character at {@code pos} alone. Returns where the piece ends.
     */
    private static int spaceRun(int[] cps, int pos, int spaces, int start, int end, Pieces out) {
        int stop = spaces > 1 && at(cps, pos + spaces, start, end) != OUT ? pos + spaces - 1 : pos + Math.max(spaces, 1);
        out.cut(stop);
        return stop;
    }

    // ---------------------------------------------------------------------------------------------
    // Expressions without a scanner: run over the collapsed text.

    private static final int[] CATEGORY_BYTE = {0xD1, 0xD2, 0xD3, 0xD4, 0xD5}; // N, L, P, M, S

    /** The category byte llama.cpp puts in place of a code point from U+0080 up. */
    private static int collapse(int cp) {
        if (cp < 0x80) {
            return cp;
        }
        if (GeneralCategory.isWhitespace(cp)) {
            return 0x0B;
        }
        int type = GeneralCategory.of(cp);
        int bit = GeneralCategory.bit(type);
        if ((bit & GeneralCategory.NUMBER) != 0) {
            return CATEGORY_BYTE[0];
        }
        if ((bit & GeneralCategory.LETTER) != 0) {
            return CATEGORY_BYTE[1];
        }
        if ((bit & GeneralCategory.PUNCTUATION) != 0) {
            return CATEGORY_BYTE[2];
        }
        if ((bit & GeneralCategory.MARK) != 0) {
            return CATEGORY_BYTE[3];
        }
        if ((bit & GeneralCategory.SYMBOL) != 0) {
            return CATEGORY_BYTE[4];
        }
        return 0xD0;
    }

    /** The members, in this package's regex syntax, that stand for a category in collapsed text. */
    private static String members(String property) {
        return switch (property) {
            case "N" -> "\\x{D1}0-9";
            case "L", "Lu", "Ll", "Lt", "Lm", "Lo" -> "\\x{D2}A-Za-z";
            case "P" -> "\\x{D3}!-#%-*,-/:;?@\\[-\\]_\\{\\}";
            case "M" -> "\\x{D4}";
            case "S" -> "\\x{D5}\\$\\+<->\\^`\\|~";
            default -> null;
        };
    }

    /** A pattern rewritten for collapsed text; non-ASCII characters cannot be combined with categories there. */
    static String collapse(String pattern) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        boolean usesCategories = false;
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '\\' && i + 1 < pattern.length() && pattern.charAt(i + 1) == 'p' && i + 2 < pattern.length()
                    && pattern.charAt(i + 2) == '{') {
                int close = pattern.indexOf('}', i + 3);
                String m = close < 0 ? null : members(pattern.substring(i + 3, close));
                if (m == null) {
                    throw new TokenizerFormatException("The pre-tokenizer expression \"" + Excerpt.of(pattern) + "\" uses a property llama.cpp does not support.");
                }
                usesCategories = true;
                out.append(inside ? m : "[" + m + "]");
                i = close;
                continue;
            }
            if (c == '\\' && i + 1 < pattern.length()) {
                out.append(c).append(pattern.charAt(++i));
                continue;
            }
            if (c == '[') {
                inside = true;
            } else if (c == ']') {
                inside = false;
            }
            out.append(c);
        }
        if (usesCategories && !pattern.chars().allMatch(ch -> ch < 0x80)) {
            throw new TokenizerFormatException("The pre-tokenizer expression \"" + Excerpt.of(pattern) + "\" mixes categories and non-ASCII characters.");
        }
        return out.toString();
    }

    /**
     * Runs one expression over a piece: on the collapsed text if it uses categories, else on the code
     * points with non-ASCII whitespace as U+000B (llama.cpp's stand-in, since its regex \s is ASCII only).
     */
    private static void regex(Regex r, boolean categorized, int[] cps, int start, int end, Pieces out) {
        int n = end - start;
        int[] text = new int[n];
        for (int k = 0; k < n; k++) {
            int cp = cps[start + k];
            text[k] = categorized ? collapse(cp) : (cp >= 0x80 && GeneralCategory.isWhitespace(cp) ? 0x0B : cp);
        }
        out.last = start;
        int[] matches = r.findAll(text, n);
        for (int m = 0; m < matches.length; m += 2) {
            out.cut(start + matches[m]);
            out.cut(start + matches[m + 1]);
        }
        out.cut(end);
    }
}
