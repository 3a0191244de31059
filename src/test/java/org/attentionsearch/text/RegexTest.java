package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The regex engine of Split patterns. On ASCII text without case-insensitivity, Oniguruma and
 * java.util.regex agree, so Java's engine is the reference there; the Unicode classes, case folding
 * and the real tokenizers' patterns are checked against Hugging Face in the BPE reference tests.
 */
class RegexTest {

    private static final List<String> PATTERNS = List.of(
            "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+",
            "[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            "\\d+?x|a{2,3}?b|(ab|a)(?=c)|[a-c&&[b-z]]+|[^a-c]{2}",
            "(?:ab)++|(?>a+)b|a*+a|\\w+\\b|\\W|\\B.",
            "^\\s*|\\s*$|x{3}|x{2,}|[\\t-\\r ]+|[-+]?[0-9]*\\.?[0-9]+",
            "\\x41|\\u0042|\\x{43}|\\n|[\\x30-\\x39]+|\\.|\\\\|\\(|[\\]\\[]");

    @Test
    void asciiMatchesJavaRegex() {
        SplittableRandom r = new SplittableRandom(5);
        String alphabet = "aabbcx xyz'sStT0123.,-+\t\n\r ()[]\\AB";
        for (String p : PATTERNS) {
            Regex ours = Regex.compile(p);
            // Oniguruma's ^ and $ are line anchors for \n alone, and . stops at \n: Java's MULTILINE with UNIX_LINES.
            Pattern java = Pattern.compile(p.replace("\\p{L}", "\\p{IsL}").replace("\\p{N}", "\\p{IsN}"),
                    Pattern.MULTILINE | Pattern.UNIX_LINES);
            for (int n = 0; n < 2_000; n++) {
                StringBuilder s = new StringBuilder();
                int len = r.nextInt(30);
                for (int i = 0; i < len; i++) {
                    s.append(alphabet.charAt(r.nextInt(alphabet.length())));
                }
                String text = s.toString();
                assertArrayEquals(javaMatches(java, text), ours.findAll(text.codePoints().toArray(), text.length()),
                        () -> p + " on \"" + ReferenceTokenizerTest.escape(text) + "\"");
            }
        }
    }

    /** Java's matches with its empty-match rule: none right where the previous match ended. */
    private static int[] javaMatches(Pattern p, String text) {
        List<Integer> out = new ArrayList<>();
        Matcher m = p.matcher(text);
        int lastEnd = -1;
        int from = 0;
        while (from <= text.length() && m.find(from)) {
            if (m.start() == m.end() && m.end() == lastEnd) {
                from++;
                continue;
            }
            out.add(m.start());
            out.add(m.end());
            lastEnd = m.end();
            from = m.end();
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    @Test
    void caseInsensitiveGroupsFoldPerCodePoint() {
        Regex r = Regex.compile("(?i:'s|'ll)|x");
        assertArrayEquals(new int[] {0, 2, 3, 4, 4, 7}, r.findAll("'S x'Ll".codePoints().toArray(), 7));
        int[] longS = "'\u017F".codePoints().toArray();
        assertArrayEquals(new int[] {0, 2}, r.findAll(longS, longS.length), "long s folds to s, as in Oniguruma");
        int[] kelvin = "\u212A".codePoints().toArray();
        assertArrayEquals(new int[] {0, 1}, Regex.compile("(?i)k").findAll(kelvin, 1));
    }

    @Test
    void surrogatePairsAreOneCharacter() {
        int[] text = "a\uD83D\uDE00b".codePoints().toArray();
        assertArrayEquals(new int[] {1, 2}, Regex.compile("[^a-z]").findAll(text, text.length));
        assertArrayEquals(new int[] {0, 3}, Regex.compile(".+").findAll(text, text.length));
    }

    @Test
    void longRunsNeedNoDeepRecursion() {
        int[] spaces = " ".repeat(200_000).concat("x").codePoints().toArray();
        assertArrayEquals(new int[] {0, 199_999, 199_999, 200_001},
                Regex.compile("\\s+(?!\\S)| ?\\p{L}+").findAll(spaces, spaces.length));
    }

    @Test
    void pathologicalBacktrackingStopsWithAnError() {
        int[] text = "a".repeat(40).codePoints().toArray();
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> Regex.compile("(?:a+)+b").findAll(text, text.length));
        assertTrue(e.getMessage().contains("backtracks too much"), e.getMessage());
    }

    @Test
    void unsupportedFeaturesAreOneClearSentence() {
        for (String p : List.of("(?<=a)b", "(?<!a)b", "(a)\\1", "\\p{Han}", "[[:alpha:]]", "a{2,3}+", "(?x)a", "(a", "a)",
                "[a-", "\\", "*a", "a**", "\\G", "[z-a]")) {
            TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Regex.compile(p), p);
            assertTrue(e.getMessage().startsWith("The tokenizer's regular expression \"" + p + "\" cannot be used: "), e.getMessage());
            assertTrue(e.getMessage().endsWith("."), e.getMessage());
        }
    }
}
