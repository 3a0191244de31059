package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.List;

/**
 * Parses the syntax {@link Regex} supports into its matching nodes, with Oniguruma's meaning of
 * each construct, and rejects anything else with a {@link TokenizerFormatException} naming the pattern.
 */
final class RegexParser {

    /** Code points whose Unicode 16.0 general category is in {@code mask}. */
    private static Regex.CharSet categories(int mask) {
        return cp -> (GeneralCategory.bit(Character.getType(cp)) & mask) != 0;
    }

    private static final Regex.CharSet SPACE = GeneralCategory::isWhitespace;
    private static final Regex.CharSet DIGIT = categories(GeneralCategory.bit(Character.DECIMAL_DIGIT_NUMBER));
    private static final Regex.CharSet WORD = Regex::isWord;
    private static final Regex.CharSet HEX_DIGIT = cp -> (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'f') || (cp >= 'A' && cp <= 'F');

    private static Regex.CharSet not(Regex.CharSet s) {
        return cp -> !s.has(cp);
    }

    /** Simple case folding, close to Unicode's CaseFolding.txt (C + S): lower case of the upper case. */
    static int fold(int cp) {
        if (cp < 0x80) {
            return cp >= 'A' && cp <= 'Z' ? cp + 32 : cp;
        }
        return Character.toLowerCase(Character.toUpperCase(cp));
    }

    private static Regex.CharSet literal(int c, boolean ignoreCase) {
        if (!ignoreCase || fold(c) == c && Character.toUpperCase(c) == c) {
            return cp -> cp == c;
        }
        int f = fold(c);
        return cp -> cp == c || fold(cp) == f;
    }

    /** A class under case-insensitivity also matches the other cases of its members. */
    private static Regex.CharSet caseless(Regex.CharSet s) {
        return cp -> s.has(cp) || s.has(fold(cp)) || s.has(Character.toUpperCase(cp)) || s.has(Character.toTitleCase(cp));
    }

    private final String source;
    private final int[] p;
    private int i;

    RegexParser(String source) {
        this.source = source;
        this.p = source.codePoints().toArray();
    }

    Regex.Node parse() {
        Regex.Node n = alternation(false);
        if (i < p.length) {
            throw error("unbalanced ')'");
        }
        return n;
    }

    private TokenizerFormatException error(String what) {
        return new TokenizerFormatException("The tokenizer's regular expression \"" + Excerpt.of(source) + "\" cannot be used: " + what + ".");
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

    private Regex.Node alternation(boolean ignoreCase) {
        List<Regex.Node> branches = new ArrayList<>();
        boolean[] flags = {ignoreCase};
        branches.add(sequence(flags));
        while (peek('|')) {
            i++;
            branches.add(sequence(flags));
        }
        return branches.size() == 1 ? branches.get(0) : new Regex.Alternation(branches.toArray(new Regex.Node[0]));
    }

    /** {@code flags[0]} is the case-insensitivity in force; {@code (?i)} changes it for the rest of the group. */
    private Regex.Node sequence(boolean[] flags) {
        List<Regex.Node> items = new ArrayList<>();
        while (more() && !peek('|') && !peek(')')) {
            if (peek("(?i)") || peek("(?-i)")) {
                flags[0] = p[i + 2] == 'i';
                i += flags[0] ? 4 : 5;
                continue;
            }
            Regex.Node atom = atom(flags[0]);
            items.add(quantified(atom));
        }
        return items.size() == 1 ? items.get(0) : new Regex.Sequence(items.toArray(new Regex.Node[0]));
    }

    private Regex.Node quantified(Regex.Node atom) {
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
        Regex.Mode mode = Regex.Mode.GREEDY;
        if (peek('?')) {
            mode = Regex.Mode.LAZY;
            i++;
        } else if (peek('+')) {
            if (interval) {
                // In Oniguruma's syntax "{n,m}+" is not possessive but a further repetition.
                throw error("a repeated interval quantifier \"{n,m}+\"");
            }
            mode = Regex.Mode.POSSESSIVE;
            i++;
        }
        if (more() && (peek('*') || peek('+') || peek('?') || (peek('{') && isInterval()))) {
            throw error("a quantifier applied to a quantifier");
        }
        if (atom instanceof Regex.Step s) {
            return new Regex.StepRepeat(s.set, min, max, mode);
        }
        if (atom instanceof Regex.Anchor || atom instanceof Regex.Look) {
            throw error("a quantified anchor or lookaround");
        }
        return new Regex.Repeat(atom, min, max, mode);
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

    private Regex.Node atom(boolean ignoreCase) {
        int c = p[i];
        switch (c) {
            case '(' -> {
                return group(ignoreCase);
            }
            case '[' -> {
                i++;
                return new Regex.Step(charClass(ignoreCase));
            }
            case '.' -> {
                i++;
                return new Regex.Step(cp -> cp != '\n');
            }
            case '^' -> {
                i++;
                return new Regex.Anchor(Regex.AnchorKind.LINE_START);
            }
            case '$' -> {
                i++;
                return new Regex.Anchor(Regex.AnchorKind.LINE_END);
            }
            case '\\' -> {
                return escapeAtom(ignoreCase);
            }
            case '*', '+', '?' -> throw error("a quantifier with nothing to repeat");
            default -> {
                i++;
                return new Regex.Step(literal(c, ignoreCase));
            }
        }
    }

    private Regex.Node group(boolean ignoreCase) {
        i++; // '('
        Regex.Node body;
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
                body = new Regex.Look(alternation(ignoreCase), kind == '!');
            } else if (kind == '>') {
                i++;
                body = new Regex.Atomic(alternation(ignoreCase));
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
                body = Regex.EMPTY;
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

    private Regex.Node escapeAtom(boolean ignoreCase) {
        i++; // backslash
        if (!more()) {
            throw error("a trailing backslash");
        }
        int c = p[i];
        Regex.AnchorKind anchor = switch (c) {
            case 'A' -> Regex.AnchorKind.TEXT_START;
            case 'z' -> Regex.AnchorKind.TEXT_END;
            case 'Z' -> Regex.AnchorKind.TEXT_END_BEFORE_NEWLINE;
            case 'b' -> Regex.AnchorKind.WORD_BOUNDARY;
            case 'B' -> Regex.AnchorKind.NOT_WORD_BOUNDARY;
            case 'G', 'K', 'R', 'X', 'y', 'Y', 'g', 'k' -> throw error("the escape \\" + Character.toString(c));
            default -> null;
        };
        if (anchor != null) {
            i++;
            return new Regex.Anchor(anchor);
        }
        if (c >= '1' && c <= '9') {
            throw error("a backreference");
        }
        return new Regex.Step(escapeSet(ignoreCase));
    }

    /** An escape that stands for one character or a class, after the backslash; advances past it. */
    private Regex.CharSet escapeSet(boolean ignoreCase) {
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

    private Regex.CharSet property(boolean negated) {
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
        Regex.CharSet set = categories(mask);
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
    private Regex.CharSet charClass(boolean ignoreCase) {
        boolean negated = false;
        if (peek('^')) {
            negated = true;
            i++;
        }
        if (peek("[:")) {
            throw error("POSIX bracket expressions");
        }
        List<Regex.CharSet> members = new ArrayList<>();
        Regex.CharSet intersectWith = null;
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
                Regex.CharSet left = union(members);
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
        Regex.CharSet set = union(members);
        if (intersectWith != null) {
            set = and(intersectWith, set);
        }
        // Case closure applies to the members, before a negation.
        if (ignoreCase) {
            set = caseless(set);
        }
        return negated ? not(set) : set;
    }

    private static Regex.CharSet union(List<Regex.CharSet> members) {
        Regex.CharSet[] m = members.toArray(new Regex.CharSet[0]);
        if (m.length == 1) {
            return m[0];
        }
        return cp -> {
            for (Regex.CharSet s : m) {
                if (s.has(cp)) {
                    return true;
                }
            }
            return false;
        };
    }

    private static Regex.CharSet and(Regex.CharSet a, Regex.CharSet b) {
        return cp -> a.has(cp) && b.has(cp);
    }
}
