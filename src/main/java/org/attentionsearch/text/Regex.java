package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.List;

/**
 * The regular expressions of tokenizer files, with the semantics of Oniguruma (the engine inside
 * Hugging Face's tokenizers) rather than {@code java.util.regex}: {@code \s} is the White_Space
 * property, {@code \p{L}}, {@code \p{N}} and the other general categories are those of Unicode 16.0
 * (Oniguruma 6.9.10's version, which is also Java 25's: a sweep over every code point against the
 * reference shows no difference), case-insensitive groups fold case per code point, and matching runs
 * over code points, so surrogate pairs are single characters.
 * <p>Supported: literals and escapes, {@code .}, classes with ranges, negation, nesting and {@code &&},
 * {@code \s \S \d \D \w \W \h \H \p{..} \P{..}}, groups ({@code (..)}, {@code (?:..)}, {@code (?<name>..)},
 * {@code (?i:..)}, {@code (?-i:..)}, {@code (?i)}), atomic groups, lookahead, greedy, lazy and possessive
 * quantifiers, and the anchors {@code ^ $ \A \z \Z \b \B}. Anything else (lookbehind, backreferences,
 * conditionals, script properties) is a {@link TokenizerFormatException} naming the pattern.
 * <p>Backtracking, leftmost-first like Oniguruma. Runs of a single character class are matched in a
 * loop, so long runs of spaces or letters need no recursion. Immutable and safe for concurrent use.
 */
final class Regex {

    private final String pattern;
    private final Node root;

    private Regex(String pattern, Node root) {
        this.pattern = pattern;
        this.root = root;
    }

    /** @throws TokenizerFormatException if the pattern is malformed or uses an unsupported feature */
    static Regex compile(String pattern) {
        return new Regex(pattern, new Parser(pattern).parse());
    }

    String pattern() {
        return pattern;
    }

    /**
     * The leftmost match in {@code text[from, length)} (code points; the whole text is visible to
     * anchors and lookaround), stored as {@code span[0], span[1]}.
     *
     * @return whether there is a match
     */
    boolean find(int[] text, int length, int from, int[] span) {
        Matcher m = new Matcher(text, length);
        try {
            for (int start = from; start <= length; start++) {
                if (root.match(m, start, end -> {
                    m.end = end;
                    return true;
                })) {
                    span[0] = start;
                    span[1] = m.end;
                    return true;
                }
            }
        } catch (StackOverflowError e) {
            // Only repeated groups recurse per iteration; single-character runs are loops.
            throw new TokenizerFormatException("The tokenizer's regular expression \"" + pattern
                    + "\" repeats a group too many times in a row on this text.");
        }
        return false;
    }

    /**
     * All matches as Oniguruma's iterator finds them (Rust's {@code onig::Regex::find_iter}): the search
     * resumes at the end of each match, and an empty match right where the previous one ended is skipped.
     * Returns {@code start, end} pairs in code points.
     */
    int[] findAll(int[] text, int length) {
        int[] out = new int[8];
        int n = 0;
        int[] span = new int[2];
        int searchFrom = 0;
        int lastEnd = -1;
        while (searchFrom <= length && find(text, length, searchFrom, span)) {
            if (span[0] == span[1] && span[1] == lastEnd) {
                searchFrom++;
                continue;
            }
            if (n + 2 > out.length) {
                out = java.util.Arrays.copyOf(out, out.length * 2);
            }
            out[n++] = span[0];
            out[n++] = span[1];
            searchFrom = span[1];
            lastEnd = span[1];
        }
        return java.util.Arrays.copyOf(out, n);
    }

    @Override
    public String toString() {
        return pattern;
    }

    // ---------------------------------------------------------------------------------------------
    // Matching

    /**
     * Backtracking steps one search may take (Oniguruma has a similar retry limit): a pathological
     * pattern such as {@code (a+)+b} fails with an exception instead of running for ever.
     */
    private static final long STEP_LIMIT = 50_000_000L;

    private final class Matcher {
        final int[] text;
        final int length;
        int end;
        long steps;

        Matcher(int[] text, int length) {
            this.text = text;
            this.length = length;
        }

        void tick() {
            if (++steps > STEP_LIMIT) {
                throw new TokenizerFormatException("The tokenizer's regular expression \"" + pattern
                        + "\" backtracks too much on this text (more than " + STEP_LIMIT + " steps).");
            }
        }
    }

    /** What to match after a node: the continuation of backtracking. */
    @FunctionalInterface
    private interface Next {
        boolean at(int pos);
    }

    private abstract static class Node {
        /** Matches at {@code pos} and then {@code next}; true if the whole rest matched. */
        abstract boolean match(Matcher m, int pos, Next next);
    }

    /** A set of code points: one step of the text. */
    private interface CharSet {
        boolean has(int cp);
    }

    private static final class Step extends Node {
        final CharSet set;

        Step(CharSet set) {
            this.set = set;
        }

        @Override
        boolean match(Matcher m, int pos, Next next) {
            return pos < m.length && set.has(m.text[pos]) && next.at(pos + 1);
        }
    }

    private static final class Sequence extends Node {
        final Node[] items;

        Sequence(Node[] items) {
            this.items = items;
        }

        @Override
        boolean match(Matcher m, int pos, Next next) {
            return from(0, m, pos, next);
        }

        private boolean from(int i, Matcher m, int pos, Next next) {
            if (i == items.length) {
                return next.at(pos);
            }
            return items[i].match(m, pos, p -> from(i + 1, m, p, next));
        }
    }

    private static final class Alternation extends Node {
        final Node[] branches;

        Alternation(Node[] branches) {
            this.branches = branches;
        }

        @Override
        boolean match(Matcher m, int pos, Next next) {
            for (Node b : branches) {
                m.tick();
                if (b.match(m, pos, next)) {
                    return true;
                }
            }
            return false;
        }
    }

    private enum Mode { GREEDY, LAZY, POSSESSIVE }

    /** A quantified single step: the run is counted in a loop, then tried from longest (greedy) or shortest (lazy). */
    private static final class StepRepeat extends Node {
        final CharSet set;
        final int min;
        final int max;
        final Mode mode;

        StepRepeat(CharSet set, int min, int max, Mode mode) {
            this.set = set;
            this.min = min;
            this.max = max;
            this.mode = mode;
        }

        @Override
        boolean match(Matcher m, int pos, Next next) {
            int limit = (int) Math.min((long) pos + max, m.length);
            int run = pos;
            if (mode == Mode.LAZY) {
                for (int n = 0; ; n++) {
                    m.tick();
                    if (n >= min && next.at(run)) {
                        return true;
                    }
                    if (run >= limit || !set.has(m.text[run])) {
                        return false;
                    }
                    run++;
                }
            }
            while (run < limit && set.has(m.text[run])) {
                run++;
            }
            if (run - pos < min) {
                return false;
            }
            if (mode == Mode.POSSESSIVE) {
                return next.at(run);
            }
            for (int end = run; end >= pos + min; end--) {
                m.tick();
                if (next.at(end)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A quantified group: recursion per iteration; an iteration that matches nothing ends the loop. */
    private static final class Repeat extends Node {
        final Node body;
        final int min;
        final int max;
        final Mode mode;

        Repeat(Node body, int min, int max, Mode mode) {
            this.body = body;
            this.min = min;
            this.max = max;
            this.mode = mode;
        }

        @Override
        boolean match(Matcher m, int pos, Next next) {
            if (mode == Mode.POSSESSIVE) {
                // Each iteration keeps the body's first match and the loop never gives one back.
                int end = pos;
                int count = 0;
                while (count < max) {
                    int from = end;
                    if (!body.match(m, from, p -> {
                        m.end = p;
                        return true;
                    })) {
                        break;
                    }
                    if (m.end == from) {
                        count = Math.max(count, min);
                        break;
                    }
                    end = m.end;
                    count++;
                }
                return count >= min && next.at(end);
            }
            return iterate(0, m, pos, next);
        }

        private boolean iterate(int count, Matcher m, int pos, Next next) {
            m.tick();
            if (mode == Mode.LAZY) {
                if (count >= min && next.at(pos)) {
                    return true;
                }
                return count < max && body.match(m, pos, p -> p != pos && iterate(count + 1, m, p, next));
            }
            if (count < max && body.match(m, pos, p -> p != pos && iterate(count + 1, m, p, next))) {
                return true;
            }
            return count >= min && next.at(pos);
        }
    }

    private static final class Look extends Node {
        final Node body;
        final boolean negative;

        Look(Node body, boolean negative) {
            this.body = body;
            this.negative = negative;
        }

        @Override
        boolean match(Matcher m, int pos, Next next) {
            boolean found = body.match(m, pos, p -> true);
            return found != negative && next.at(pos);
        }
    }

    private static final class Atomic extends Node {
        final Node body;

        Atomic(Node body) {
            this.body = body;
        }

        @Override
        boolean match(Matcher m, int pos, Next next) {
            if (!body.match(m, pos, p -> {
                m.end = p;
                return true;
            })) {
                return false;
            }
            return next.at(m.end);
        }
    }

    private enum AnchorKind { LINE_START, LINE_END, TEXT_START, TEXT_END, TEXT_END_BEFORE_NEWLINE, WORD_BOUNDARY, NOT_WORD_BOUNDARY }

    private static final class Anchor extends Node {
        final AnchorKind kind;

        Anchor(AnchorKind kind) {
            this.kind = kind;
        }

        @Override
        boolean match(Matcher m, int pos, Next next) {
            int[] t = m.text;
            int n = m.length;
            boolean ok = switch (kind) {
                case LINE_START -> pos == 0 || t[pos - 1] == '\n';
                case LINE_END -> pos == n || t[pos] == '\n';
                case TEXT_START -> pos == 0;
                case TEXT_END -> pos == n;
                case TEXT_END_BEFORE_NEWLINE -> pos == n || (pos == n - 1 && t[pos] == '\n');
                case WORD_BOUNDARY, NOT_WORD_BOUNDARY -> {
                    boolean before = pos > 0 && isWord(t[pos - 1]);
                    boolean after = pos < n && isWord(t[pos]);
                    yield (before != after) == (kind == AnchorKind.WORD_BOUNDARY);
                }
            };
            return ok && next.at(pos);
        }
    }

    private static final Node EMPTY = new Sequence(new Node[0]);

    // ---------------------------------------------------------------------------------------------
    // Character sets

    private static final int MASK_WORD = GeneralCategory.LETTER | GeneralCategory.MARK
            | GeneralCategory.bit(Character.DECIMAL_DIGIT_NUMBER) | GeneralCategory.bit(Character.CONNECTOR_PUNCTUATION);

    static boolean isWord(int cp) {
        return (GeneralCategory.bit(Character.getType(cp)) & MASK_WORD) != 0;
    }

    /** Code points whose Unicode 16.0 general category is in {@code mask}. */
    private static CharSet categories(int mask) {
        return cp -> (GeneralCategory.bit(Character.getType(cp)) & mask) != 0;
    }

    private static final CharSet SPACE = GeneralCategory::isWhitespace;
    private static final CharSet DIGIT = categories(GeneralCategory.bit(Character.DECIMAL_DIGIT_NUMBER));
    private static final CharSet WORD = Regex::isWord;
    private static final CharSet HEX_DIGIT = cp -> (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'f') || (cp >= 'A' && cp <= 'F');

    private static CharSet not(CharSet s) {
        return cp -> !s.has(cp);
    }

    /** Simple case folding, close to Unicode's CaseFolding.txt (C + S): lower case of the upper case. */
    static int fold(int cp) {
        if (cp < 0x80) {
            return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
        }
        return Character.toLowerCase(Character.toUpperCase(cp));
    }

    private static CharSet literal(int c, boolean ignoreCase) {
        if (!ignoreCase || fold(c) == c && Character.toUpperCase(c) == c) {
            return cp -> cp == c;
        }
        int f = fold(c);
        return cp -> cp == c || fold(cp) == f;
    }

    /** A class under case-insensitivity also matches the other cases of its members. */
    private static CharSet caseless(CharSet s) {
        return cp -> s.has(cp) || s.has(fold(cp)) || s.has(Character.toUpperCase(cp)) || s.has(Character.toTitleCase(cp));
    }

    // ---------------------------------------------------------------------------------------------
    // Parsing

    private static final class Parser {
        private final String source;
        private final int[] p;
        private int i;

        Parser(String source) {
            this.source = source;
            this.p = source.codePoints().toArray();
        }

        Node parse() {
            Node n = alternation(false);
            if (i < p.length) {
                throw error("unbalanced ')'");
            }
            return n;
        }

        private TokenizerFormatException error(String what) {
            return new TokenizerFormatException("The tokenizer's regular expression \"" + source + "\" cannot be used: " + what + ".");
        }

        private boolean more() {
            return i < p.length;
        }

        private boolean peek(int c) {
            return i < p.length && p[i] == c;
        }

        private boolean peek(String s) {
            int[] c = s.codePoints().toArray();
            if (i + c.length > p.length) {
                return false;
            }
            for (int k = 0; k < c.length; k++) {
                if (p[i + k] != c[k]) {
                    return false;
                }
            }
            return true;
        }

        private Node alternation(boolean ignoreCase) {
            List<Node> branches = new ArrayList<>();
            boolean[] flags = {ignoreCase};
            branches.add(sequence(flags));
            while (peek('|')) {
                i++;
                branches.add(sequence(flags));
            }
            return branches.size() == 1 ? branches.get(0) : new Alternation(branches.toArray(new Node[0]));
        }

        /** {@code flags[0]} is the case-insensitivity in force; {@code (?i)} changes it for the rest of the group. */
        private Node sequence(boolean[] flags) {
            List<Node> items = new ArrayList<>();
            while (more() && !peek('|') && !peek(')')) {
                if (peek("(?i)") || peek("(?-i)")) {
                    flags[0] = p[i + 2] == 'i';
                    i += flags[0] ? 4 : 5;
                    continue;
                }
                Node atom = atom(flags[0]);
                items.add(quantified(atom));
            }
            return items.size() == 1 ? items.get(0) : new Sequence(items.toArray(new Node[0]));
        }

        private Node quantified(Node atom) {
            if (!more()) {
                return atom;
            }
            int min;
            int max;
            int c = p[i];
            boolean interval = false;
            if (c == '*') {
                min = 0;
                max = Integer.MAX_VALUE;
                i++;
            } else if (c == '+') {
                min = 1;
                max = Integer.MAX_VALUE;
                i++;
            } else if (c == '?') {
                min = 0;
                max = 1;
                i++;
            } else if (c == '{' && isInterval()) {
                interval = true;
                i++;
                min = peek(',') ? 0 : number();
                if (peek(',')) {
                    i++;
                    max = peek('}') ? Integer.MAX_VALUE : number();
                } else {
                    max = min;
                }
                i++; // '}'
                if (max < min) {
                    throw error("an interval {" + min + "," + max + "} with its bounds reversed");
                }
            } else {
                return atom;
            }
            Mode mode = Mode.GREEDY;
            if (peek('?')) {
                mode = Mode.LAZY;
                i++;
            } else if (peek('+')) {
                if (interval) {
                    // In Oniguruma's syntax "{n,m}+" is not possessive but a further repetition.
                    throw error("a repeated interval quantifier \"{n,m}+\"");
                }
                mode = Mode.POSSESSIVE;
                i++;
            }
            if (more() && (peek('*') || peek('+') || peek('?') || (peek('{') && isInterval()))) {
                throw error("a quantifier applied to a quantifier");
            }
            if (atom instanceof Step s) {
                return new StepRepeat(s.set, min, max, mode);
            }
            if (atom instanceof Anchor || atom instanceof Look) {
                throw error("a quantified anchor or lookaround");
            }
            return new Repeat(atom, min, max, mode);
        }

        /** Whether '{' at i starts a valid interval ({n}, {n,}, {,m}, {n,m}); otherwise it is a literal. */
        private boolean isInterval() {
            int k = i + 1;
            int digits = 0;
            while (k < p.length && p[k] >= '0' && p[k] <= '9') {
                k++;
                digits++;
            }
            if (k < p.length && p[k] == '}') {
                return digits > 0;
            }
            if (k >= p.length || p[k] != ',') {
                return false;
            }
            k++;
            int digits2 = 0;
            while (k < p.length && p[k] >= '0' && p[k] <= '9') {
                k++;
                digits2++;
            }
            return k < p.length && p[k] == '}' && (digits > 0 || digits2 > 0);
        }

        private int number() {
            long n = 0;
            int start = i;
            while (more() && p[i] >= '0' && p[i] <= '9') {
                n = n * 10 + (p[i] - '0');
                if (n > 100_000) {
                    throw error("a repetition count above 100000");
                }
                i++;
            }
            if (i == start) {
                throw error("a malformed interval");
            }
            return (int) n;
        }

        private Node atom(boolean ignoreCase) {
            int c = p[i];
            switch (c) {
                case '(' -> {
                    return group(ignoreCase);
                }
                case '[' -> {
                    i++;
                    return new Step(charClass(ignoreCase));
                }
                case '.' -> {
                    i++;
                    return new Step(cp -> cp != '\n');
                }
                case '^' -> {
                    i++;
                    return new Anchor(AnchorKind.LINE_START);
                }
                case '$' -> {
                    i++;
                    return new Anchor(AnchorKind.LINE_END);
                }
                case '\\' -> {
                    return escapeAtom(ignoreCase);
                }
                case '*', '+', '?' -> throw error("a quantifier with nothing to repeat");
                default -> {
                    i++;
                    return new Step(literal(c, ignoreCase));
                }
            }
        }

        private Node group(boolean ignoreCase) {
            i++; // '('
            Node body;
            if (peek('?')) {
                i++;
                if (!more()) {
                    throw error("an unterminated group");
                }
                int kind = p[i];
                if (kind == ':') {
                    i++;
                    body = alternation(ignoreCase);
                } else if (kind == '=' || kind == '!') {
                    i++;
                    body = new Look(alternation(ignoreCase), kind == '!');
                } else if (kind == '>') {
                    i++;
                    body = new Atomic(alternation(ignoreCase));
                } else if (kind == '<' && i + 1 < p.length && (p[i + 1] == '=' || p[i + 1] == '!')) {
                    throw error("lookbehind");
                } else if (kind == '<' || kind == '\'') {
                    int close = kind == '<' ? '>' : '\'';
                    i++;
                    while (more() && p[i] != close) {
                        if (!Character.isLetterOrDigit(p[i]) && p[i] != '_') {
                            throw error("a malformed group name");
                        }
                        i++;
                    }
                    if (!more()) {
                        throw error("an unterminated group name");
                    }
                    i++;
                    body = alternation(ignoreCase);
                } else if (kind == 'i' || kind == '-') {
                    boolean on = kind == 'i';
                    i += on ? 1 : (peek("-i") ? 2 : 1);
                    if (!on && p[i - 1] != 'i') {
                        throw error("an unsupported option group");
                    }
                    if (!peek(':')) {
                        throw error("an unsupported option group");
                    }
                    i++;
                    body = alternation(on);
                } else if (kind == '#') {
                    while (more() && p[i] != ')') {
                        i++;
                    }
                    body = EMPTY;
                } else {
                    throw error("the group construct \"(?" + Character.toString(kind) + "\"");
                }
            } else {
                body = alternation(ignoreCase);
            }
            if (!peek(')')) {
                throw error("an unterminated group");
            }
            i++;
            return body;
        }

        private Node escapeAtom(boolean ignoreCase) {
            i++; // backslash
            if (!more()) {
                throw error("a trailing backslash");
            }
            int c = p[i];
            switch (c) {
                case 'A' -> {
                    i++;
                    return new Anchor(AnchorKind.TEXT_START);
                }
                case 'z' -> {
                    i++;
                    return new Anchor(AnchorKind.TEXT_END);
                }
                case 'Z' -> {
                    i++;
                    return new Anchor(AnchorKind.TEXT_END_BEFORE_NEWLINE);
                }
                case 'b' -> {
                    i++;
                    return new Anchor(AnchorKind.WORD_BOUNDARY);
                }
                case 'B' -> {
                    i++;
                    return new Anchor(AnchorKind.NOT_WORD_BOUNDARY);
                }
                case 'G', 'K', 'R', 'X', 'y', 'Y', 'g', 'k' -> throw error("the escape \\" + Character.toString(c));
                default -> {
                    if (c >= '1' && c <= '9') {
                        throw error("a backreference");
                    }
                    return new Step(escapeSet(ignoreCase));
                }
            }
        }

        /** An escape that stands for one character or a class, after the backslash; advances past it. */
        private CharSet escapeSet(boolean ignoreCase) {
            int c = p[i++];
            switch (c) {
                case 's':
                    return SPACE;
                case 'S':
                    return not(SPACE);
                case 'd':
                    return DIGIT;
                case 'D':
                    return not(DIGIT);
                case 'w':
                    return WORD;
                case 'W':
                    return not(WORD);
                case 'h':
                    return HEX_DIGIT;
                case 'H':
                    return not(HEX_DIGIT);
                case 'p':
                case 'P':
                    return property(c == 'P');
                default:
                    return literal(escapedChar(c), ignoreCase);
            }
        }

        /** The code point of a single-character escape whose letter ({@code c}) was just read. */
        private int escapedChar(int c) {
            switch (c) {
                case 't':
                    return '\t';
                case 'n':
                    return '\n';
                case 'r':
                    return '\r';
                case 'f':
                    return '\f';
                case 'v':
                    return 0x0B;
                case 'a':
                    return 0x07;
                case 'e':
                    return 0x1B;
                case 'x':
                    if (peek('{')) {
                        i++;
                        int v = hex(8, '}');
                        i++;
                        return checkedCodePoint(v);
                    }
                    return hex(2, -1);
                case 'u':
                    return hex(4, -1);
                case '0':
                    int v = 0;
                    for (int k = 0; k < 2 && more() && p[i] >= '0' && p[i] <= '7'; k++) {
                        v = v * 8 + (p[i++] - '0');
                    }
                    return v;
                default:
                    if (Character.isLetterOrDigit(c)) {
                        throw error("the escape \\" + Character.toString(c));
                    }
                    return c;
            }
        }

        private int checkedCodePoint(int v) {
            if (v < 0 || v > 0x10FFFF) {
                throw error("a code point out of range");
            }
            return v;
        }

        /** Up to {@code maxDigits} hex digits (exactly that many when {@code terminator < 0}). */
        private int hex(int maxDigits, int terminator) {
            int v = 0;
            int n = 0;
            while (n < maxDigits && more() && Character.digit(p[i], 16) >= 0) {
                v = v * 16 + Character.digit(p[i++], 16);
                n++;
            }
            if (n == 0 || (terminator < 0 && n != maxDigits && maxDigits == 4) || (terminator >= 0 && !peek(terminator))) {
                throw error("a malformed hexadecimal escape");
            }
            return v;
        }

        private CharSet property(boolean negated) {
            if (!peek('{')) {
                throw error("\\p without a {name}");
            }
            i++;
            int start = i;
            while (more() && p[i] != '}') {
                i++;
            }
            if (!more()) {
                throw error("an unterminated \\p{...}");
            }
            String name = new String(p, start, i - start);
            i++;
            if (name.startsWith("^")) {
                negated = !negated;
                name = name.substring(1);
            }
            int mask = categoryMask(name.replace("_", "").replace(" ", "").replace("-", "").toLowerCase(java.util.Locale.ROOT));
            if (mask == 0) {
                throw error("the property \\p{" + name + "}");
            }
            CharSet set = categories(mask);
            return negated ? not(set) : set;
        }

        private static int categoryMask(String n) {
            return switch (n) {
                case "l", "letter" -> GeneralCategory.LETTER;
                case "lu", "uppercaseletter" -> GeneralCategory.bit(Character.UPPERCASE_LETTER);
                case "ll", "lowercaseletter" -> GeneralCategory.bit(Character.LOWERCASE_LETTER);
                case "lt", "titlecaseletter" -> GeneralCategory.bit(Character.TITLECASE_LETTER);
                case "lm", "modifierletter" -> GeneralCategory.bit(Character.MODIFIER_LETTER);
                case "lo", "otherletter" -> GeneralCategory.bit(Character.OTHER_LETTER);
                case "lc", "l&", "casedletter" -> GeneralCategory.bit(Character.UPPERCASE_LETTER)
                        | GeneralCategory.bit(Character.LOWERCASE_LETTER) | GeneralCategory.bit(Character.TITLECASE_LETTER);
                case "m", "mark", "combiningmark" -> GeneralCategory.MARK;
                case "mn", "nonspacingmark" -> GeneralCategory.bit(Character.NON_SPACING_MARK);
                case "mc", "spacingmark" -> GeneralCategory.bit(Character.COMBINING_SPACING_MARK);
                case "me", "enclosingmark" -> GeneralCategory.bit(Character.ENCLOSING_MARK);
                case "n", "number" -> GeneralCategory.NUMBER;
                case "nd", "decimalnumber" -> GeneralCategory.bit(Character.DECIMAL_DIGIT_NUMBER);
                case "nl", "letternumber" -> GeneralCategory.bit(Character.LETTER_NUMBER);
                case "no", "othernumber" -> GeneralCategory.bit(Character.OTHER_NUMBER);
                case "p", "punctuation", "punct" -> GeneralCategory.PUNCTUATION;
                case "pc", "connectorpunctuation" -> GeneralCategory.bit(Character.CONNECTOR_PUNCTUATION);
                case "pd", "dashpunctuation" -> GeneralCategory.bit(Character.DASH_PUNCTUATION);
                case "ps", "openpunctuation" -> GeneralCategory.bit(Character.START_PUNCTUATION);
                case "pe", "closepunctuation" -> GeneralCategory.bit(Character.END_PUNCTUATION);
                case "pi", "initialpunctuation" -> GeneralCategory.bit(Character.INITIAL_QUOTE_PUNCTUATION);
                case "pf", "finalpunctuation" -> GeneralCategory.bit(Character.FINAL_QUOTE_PUNCTUATION);
                case "po", "otherpunctuation" -> GeneralCategory.bit(Character.OTHER_PUNCTUATION);
                case "s", "symbol" -> GeneralCategory.SYMBOL;
                case "sm", "mathsymbol" -> GeneralCategory.bit(Character.MATH_SYMBOL);
                case "sc", "currencysymbol" -> GeneralCategory.bit(Character.CURRENCY_SYMBOL);
                case "sk", "modifiersymbol" -> GeneralCategory.bit(Character.MODIFIER_SYMBOL);
                case "so", "othersymbol" -> GeneralCategory.bit(Character.OTHER_SYMBOL);
                case "z", "separator" -> GeneralCategory.SEPARATOR;
                case "zs", "spaceseparator" -> GeneralCategory.bit(Character.SPACE_SEPARATOR);
                case "zl", "lineseparator" -> GeneralCategory.bit(Character.LINE_SEPARATOR);
                case "zp", "paragraphseparator" -> GeneralCategory.bit(Character.PARAGRAPH_SEPARATOR);
                case "c", "other" -> GeneralCategory.OTHER;
                case "cc", "control" -> GeneralCategory.bit(Character.CONTROL);
                case "cf", "format" -> GeneralCategory.bit(Character.FORMAT);
                case "co", "privateuse" -> GeneralCategory.bit(Character.PRIVATE_USE);
                case "cs", "surrogate" -> GeneralCategory.bit(Character.SURROGATE);
                case "cn", "unassigned" -> GeneralCategory.bit(Character.UNASSIGNED);
                default -> 0;
            };
        }

        /** A bracket class after its '['; advances past the closing ']'. */
        private CharSet charClass(boolean ignoreCase) {
            boolean negated = false;
            if (peek('^')) {
                negated = true;
                i++;
            }
            if (peek("[:")) {
                throw error("POSIX bracket expressions");
            }
            List<CharSet> members = new ArrayList<>();
            CharSet intersectWith = null;
            boolean first = true;
            while (true) {
                if (!more()) {
                    throw error("an unterminated character class");
                }
                int c = p[i];
                if (c == ']' && !first) {
                    i++;
                    break;
                }
                first = false;
                if (peek("&&")) {
                    i += 2;
                    CharSet left = union(members);
                    intersectWith = intersectWith == null ? left : and(intersectWith, left);
                    members = new ArrayList<>();
                    continue;
                }
                if (c == '[') {
                    i++;
                    members.add(charClass(false));
                    continue;
                }
                int low;
                if (c == '\\') {
                    i++;
                    if (!more()) {
                        throw error("a trailing backslash");
                    }
                    int e = p[i];
                    if ("sSdDwWhHpP".indexOf(e) >= 0) {
                        members.add(escapeSet(false));
                        continue;
                    }
                    i++;
                    low = e == 'b' ? 0x08 : escapedChar(e);
                } else {
                    i++;
                    low = c;
                }
                if (peek('-') && i + 1 < p.length && p[i + 1] != ']') {
                    i++;
                    int high;
                    if (p[i] == '\\') {
                        i++;
                        if (!more()) {
                            throw error("a trailing backslash");
                        }
                        int e = p[i++];
                        if ("sSdDwWhHpP".indexOf(e) >= 0) {
                            throw error("a range ending in a class escape");
                        }
                        high = escapedChar(e);
                    } else if (p[i] == '[') {
                        throw error("a range ending in a nested class");
                    } else {
                        high = p[i++];
                    }
                    if (high < low) {
                        throw error("a character range out of order");
                    }
                    int lo = low;
                    int hi = high;
                    members.add(cp -> cp >= lo && cp <= hi);
                } else {
                    int v = low;
                    members.add(cp -> cp == v);
                }
            }
            CharSet set = union(members);
            if (intersectWith != null) {
                set = and(intersectWith, set);
            }
            // Case closure applies to the members, before a negation.
            if (ignoreCase) {
                set = caseless(set);
            }
            return negated ? not(set) : set;
        }

        private static CharSet union(List<CharSet> members) {
            CharSet[] m = members.toArray(new CharSet[0]);
            if (m.length == 1) {
                return m[0];
            }
            return cp -> {
                for (CharSet s : m) {
                    if (s.has(cp)) {
                        return true;
                    }
                }
                return false;
            };
        }

        private static CharSet and(CharSet a, CharSet b) {
            return cp -> a.has(cp) && b.has(cp);
        }
    }
}
