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
     * A whole message made one bounded line: line breaks and other control characters a quoted
     * value brought in are escaped, and a message that quotes a long value somewhere its author
     * did not bound keeps its first and last characters around "…", so it still reads as one sentence.
     */
    public static String message(String message) {
        if (message == null) return null;
        StringBuilder line = new StringBuilder(Math.min(message.length(), MESSAGE_LIMIT) + 16);
        for (int i = 0; i < message.length(); i++) {
            char c = message.charAt(i);
            if (c == '\n') line.append("\\n");
            else if (c == '\r') line.append("\\r");
            else if (c == '\t') line.append("\\t");
            else if (Character.isISOControl(c) || c == 0x2028 || c == 0x2029) line.append(String.format("\\u%04x", (int) c));
            else line.append(c);
        }
        if (line.length() <= MESSAGE_LIMIT) return line.toString();
        int head = MESSAGE_LIMIT * 3 / 4, tail = MESSAGE_LIMIT / 4 - 3;
        // Keep surrogate pairs whole at both cuts.
        if (Character.isHighSurrogate(line.charAt(head - 1))) head--;
        int from = line.length() - tail;
        if (Character.isLowSurrogate(line.charAt(from))) from++;
        return line.substring(0, head) + " … " + line.substring(from);
    }
}
