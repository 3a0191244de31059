package org.attentionsearch.search;

/**
 * A token shown in its surrounding text, the way a results page shows a link's snippet:
 * {@code before + match + after}, with the token itself as {@code match}.
 */
public record Snippet(String before, String match, String after) {

    private static final int CONTEXT = 28;

    public static Snippet of(String text, TokenRef token) {
        if (!token.hasSpan()) {
            return new Snippet("", token.text(), token.position() == 0 ? "  (start of text)" : "  (end of text)");
        }
        int from = Math.max(0, token.start() - CONTEXT), to = Math.min(text.length(), token.end() + CONTEXT);
        // Never cut a surrogate pair in half.
        if (from > 0 && Character.isLowSurrogate(text.charAt(from))) from--;
        if (to < text.length() && Character.isLowSurrogate(text.charAt(to))) to++;
        String before = (from > 0 ? "…" : "") + text.substring(from, token.start());
        String after = text.substring(token.end(), to) + (to < text.length() ? "…" : "");
        return new Snippet(flat(before), text.substring(token.start(), token.end()), flat(after));
    }

    /** Runs of white space become one space, so a snippet stays on one line. */
    private static String flat(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean space = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isWhitespace(c)) {
                if (!space) out.append(' ');
                space = true;
            } else {
                out.append(c);
                space = false;
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return before + "[" + match + "]" + after;
    }
}
