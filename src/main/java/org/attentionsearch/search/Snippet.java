package org.attentionsearch.search;

/**
 * A token shown in its surrounding text, the way a results page shows a link's snippet:
 * {@code before + match + after}, with the token itself as {@code match}.
 */
public record Snippet(String before, String match, String after) {

    private static final int CONTEXT = 28;

    static Snippet of(String text, TokenRef token) {
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

    private static String flat(String s) {
        return s.replaceAll("\\s+", " ");
    }

    @Override
    public String toString() {
        return before + "[" + match + "]" + after;
    }
}
