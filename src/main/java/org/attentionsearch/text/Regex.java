package org.attentionsearch.text;

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
        return new Regex(pattern, new RegexParser(pattern).parse());
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
            throw new TokenizerFormatException("The tokenizer's regular expression \"" + Excerpt.of(pattern)
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
                throw new TokenizerFormatException("The tokenizer's regular expression \"" + Excerpt.of(pattern)
                        + "\" backtracks too much on this text (more than " + STEP_LIMIT + " steps).");
            }
        }
    }

    /** What to match after a node: the continuation of backtracking. */
    @FunctionalInterface
    interface Next {
        boolean at(int pos);
    }

    abstract static class Node {
        /** Matches at {@code pos} and then {@code next}; true if the whole rest matched. */
        abstract boolean match(Matcher m, int pos, Next next);
    }

    /** A set of code points: one step of the text. */
    interface CharSet {
        boolean has(int cp);
    }

    static final class Step extends Node {
        final CharSet set;

        Step(CharSet set) {
            this.set = set;
        }

        @Override
        boolean match(Matcher m, int pos, Next next) {
            return pos < m.length && set.has(m.text[pos]) && next.at(pos + 1);
        }
    }

    static final class Sequence extends Node {
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

    static final class Alternation extends Node {
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

    enum Mode { GREEDY, LAZY, POSSESSIVE }

    /** A quantified single step: the run is counted in a loop, then tried from longest (greedy) or shortest (lazy). */
    static final class StepRepeat extends Node {
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
    static final class Repeat extends Node {
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

    static final class Look extends Node {
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

    static final class Atomic extends Node {
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

    enum AnchorKind { LINE_START, LINE_END, TEXT_START, TEXT_END, TEXT_END_BEFORE_NEWLINE, WORD_BOUNDARY, NOT_WORD_BOUNDARY }

    static final class Anchor extends Node {
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

    static final Node EMPTY = new Sequence(new Node[0]);

    private static final int MASK_WORD = GeneralCategory.LETTER | GeneralCategory.MARK
            | GeneralCategory.bit(Character.DECIMAL_DIGIT_NUMBER) | GeneralCategory.bit(Character.CONNECTOR_PUNCTUATION);

    /** A word character of {@code \b} and {@code \w}: a letter, mark, decimal digit or connector punctuation. */
    static boolean isWord(int cp) {
        return (GeneralCategory.bit(Character.getType(cp)) & MASK_WORD) != 0;
    }
}
