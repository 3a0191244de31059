package org.attentionsearch.text;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A template's source as Jinja2's lexer reads it, for Jinjava to read alike: every line end
 * ({@code \r\n}, {@code \r}, {@code \n}) a {@code \n}, one newline at the very end dropped
 * (keep_trailing_newline off), and each comment {@code {# … #}} a tag that writes nothing,
 * {@code {% $comment %}} (a name no Jinja2 template can hold). Jinja2 trims whitespace up to a
 * comment and no further, which is how a tag is trimmed in Jinjava; a Jinjava comment leaves no
 * node, so a {@code -%}} or {@code {%-} beside it would trim the text on its other side too.
 */
final class JinjaSource {

    /** The tag a comment becomes. */
    static final String COMMENT_TAG = "$comment";

    private static final Pattern RAW = Pattern.compile("\\{%[-+]?\\s*raw\\s*[-+]?%}");
    private static final Pattern END_RAW = Pattern.compile("\\{%[-+]?\\s*endraw\\s*[-+]?%}");

    private JinjaSource() {
    }

    static String read(String template) {
        String s = template.replace("\r\n", "\n").replace('\r', '\n');
        if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
        return withCommentTags(s);
    }

    /** The comments of the template data replaced; blocks, expressions and raw sections copied as they are. */
    private static String withCommentTags(String s) {
        StringBuilder out = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            int open = s.indexOf('{', i);
            if (open < 0 || open + 1 >= s.length()) {
                out.append(s, i, s.length());
                break;
            }
            char kind = s.charAt(open + 1);
            if (kind == '#') {
                int close = s.indexOf("#}", open + 2);
                if (close < 0) { // unclosed: Jinjava reports it
                    out.append(s, i, s.length());
                    break;
                }
                out.append(s, i, open).append("{%");
                if (open + 2 < close && s.charAt(open + 2) == '-') out.append('-');
                out.append(' ').append(COMMENT_TAG).append(' ');
                if (close - 1 > open + 2 && s.charAt(close - 1) == '-') out.append('-');
                out.append("%}");
                i = close + 2;
            } else if (kind == '%' || kind == '{') {
                Matcher raw = RAW.matcher(s).region(open, s.length());
                int end;
                if (kind == '%' && raw.lookingAt()) {
                    Matcher endRaw = END_RAW.matcher(s);
                    end = endRaw.find(raw.end()) ? endRaw.end() : s.length();
                } else {
                    end = endOf(s, open + 2, kind == '%' ? '%' : '}');
                }
                out.append(s, i, end);
                i = end;
            } else {
                out.append(s, i, open + 1);
                i = open + 1;
            }
        }
        return out.toString();
    }

    /**
     * Where a block or expression opened before {@code from} ends: after its {@code %}} or
     * {@code }}}, found outside string literals and outside brackets the expression opened (a dict
     * literal's own {@code }}}); the end of the source when it does not end.
     */
    private static int endOf(String s, int from, char closer) {
        Deque<Character> brackets = new ArrayDeque<>();
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\'' || c == '"') {
                for (i++; i < s.length() && s.charAt(i) != c; i++) {
                    if (s.charAt(i) == '\\') i++;
                }
            } else if (brackets.isEmpty() && c == closer && i + 1 < s.length() && s.charAt(i + 1) == '}') {
                return i + 2;
            } else if (c == '(' || c == '[' || c == '{') {
                brackets.push(c);
            } else if ((c == ')' || c == ']' || c == '}') && !brackets.isEmpty()) {
                brackets.pop();
            }
        }
        return s.length();
    }
}
