package org.attentionsearch.text;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import com.hubspot.jinjava.objects.SafeString;

/**
 * Python's {@code json.dumps} as the chat templates' {@code tojson} filter calls it in Hugging
 * Face's renderer: {@code ensure_ascii=False} unless asked, {@code ", "} and {@code ": "} between
 * items (a bare {@code ","} at line ends when indented), keys in their order unless sorted.
 */
final class JinjaJson {

    private final String indent; // null: one line
    private final String itemSeparator;
    private final String keySeparator;
    private final boolean sortKeys;
    private final boolean ensureAscii;
    private final long maxLength;
    private final StringBuilder out = new StringBuilder();

    /**
     * @param indent    null for one line, else the string put once per level before each item
     * @param separators null for Python's defaults, else the item and the key separator
     * @param maxLength the longest text it may write
     */
    JinjaJson(String indent, List<String> separators, boolean sortKeys, boolean ensureAscii, long maxLength) {
        this.indent = indent;
        this.itemSeparator = separators != null ? separators.get(0) : indent == null ? ", " : ",";
        this.keySeparator = separators != null ? separators.get(1) : ": ";
        this.sortKeys = sortKeys;
        this.ensureAscii = ensureAscii;
        this.maxLength = maxLength;
    }

    String dumps(Object value) {
        write(value, 0, 0);
        return out.toString();
    }

    private void write(Object v, int level, int depth) {
        if (depth > 100) {
            throw new IllegalArgumentException("tojson met a value nested more than 100 levels deep.");
        }
        if (out.length() > maxLength) {
            throw new IllegalArgumentException("tojson would write more than " + maxLength + " characters.");
        }
        if (v == null) {
            out.append("null");
        } else if (v instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (v instanceof String || v instanceof SafeString || v instanceof Character) {
            string(v.toString());
        } else if (v instanceof Double || v instanceof Float) {
            out.append(number(((Number) v).doubleValue()));
        } else if (v instanceof Number n) {
            out.append(n instanceof BigDecimal d ? d.toPlainString() : n.toString());
        } else if (v instanceof Map<?, ?> map) {
            List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
            if (sortKeys) entries.sort((x, y) -> String.valueOf(x.getKey()).compareTo(String.valueOf(y.getKey())));
            out.append('{');
            for (int i = 0; i < entries.size(); i++) {
                if (i > 0) out.append(itemSeparator);
                newline(level + 1);
                string(keyString(entries.get(i).getKey()));
                out.append(keySeparator);
                write(entries.get(i).getValue(), level + 1, depth + 1);
            }
            if (!entries.isEmpty()) newline(level);
            out.append('}');
        } else if (v instanceof Collection<?> || v instanceof Object[]) {
            Collection<?> items = v instanceof Object[] a ? List.of(a) : (Collection<?>) v;
            out.append('[');
            int i = 0;
            for (Object item : items) {
                if (i++ > 0) out.append(itemSeparator);
                newline(level + 1);
                write(item, level + 1, depth + 1);
            }
            if (i > 0) newline(level);
            out.append(']');
        } else {
            throw new IllegalArgumentException("tojson cannot write a " + JinjaMethods.typeName(v) + ".");
        }
    }

    private void newline(int level) {
        if (indent == null) return;
        out.append('\n');
        for (int i = 0; i < level; i++) out.append(indent);
    }

    /** Keys as Python writes them: strings as they are, numbers and booleans as their JSON text. */
    private static String keyString(Object key) {
        if (key == null) return "null";
        if (key instanceof Boolean b) return b ? "true" : "false";
        if (key instanceof Double || key instanceof Float) return number(((Number) key).doubleValue());
        return key.toString();
    }

    /** A float as json.dumps writes it: its repr, or NaN, Infinity and -Infinity. */
    private static String number(double d) {
        if (Double.isNaN(d)) return "NaN";
        if (Double.isInfinite(d)) return d > 0 ? "Infinity" : "-Infinity";
        return PythonText.floatRepr(d);
    }

    private void string(String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) out.append(String.format("\\u%04x", (int) c));
                    else out.append(c);
                }
            }
        }
        out.append('"');
    }
}
