package org.attentionsearch.text;

/**
 * A value from a file or a request as an error message quotes it: at most {@value #LIMIT}
 * characters (then "…"), on one line, control characters written as escapes. A message
 * names what is wrong in one sentence, however long or strange the value that is wrong.
 */
public final class Excerpt {

    /** Characters of a value a message shows. */
    public static final int LIMIT = 80;
    /** Characters of a whole message, beyond which its middle gives way to "…". */
    public static final int MESSAGE_LIMIT = 1000;

    private Excerpt() {
    }

    /** {@code value}'s text (null as "null"), bounded and on one line. */
    public static String of(Object value) {
        String s = String.valueOf(value);
        StringBuilder out = new StringBuilder(Math.min(s.length(), LIMIT) + 8);
        int shown = 0;
        for (int i = 0; i < s.length(); ) {
            if (shown == LIMIT) return out.append('…').toString();
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            shown++;
            if (c == '\n') out.append("\\n");
            else if (c == '\r') out.append("\\r");
            else if (c == '\t') out.append("\\t");
            else if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) out.append(String.format("\\u%04x", c));
            else out.appendCodePoint(c);
        }
        return out.toString();
    }

    /**
     * A whole message bounded: one that quotes a long value somewhere its author did not bound
     * keeps its first and last characters around "…", so it still reads as one sentence.
     */
    public static String message(String message) {
        if (message == null || message.length() <= MESSAGE_LIMIT) return message;
        int head = MESSAGE_LIMIT * 3 / 4, tail = MESSAGE_LIMIT / 4 - 3;
        // Keep surrogate pairs whole at both cuts.
        if (Character.isHighSurrogate(message.charAt(head - 1))) head--;
        int from = message.length() - tail;
        if (Character.isLowSurrogate(message.charAt(from))) from++;
        return message.substring(0, head) + " … " + message.substring(from);
    }
}
