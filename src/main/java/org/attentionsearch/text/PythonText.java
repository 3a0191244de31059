package org.attentionsearch.text;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;

import com.hubspot.jinjava.objects.SafeString;

/**
 * Values written as Python writes them, which is how Jinja2 writes them: {@code str()} (what
 * {@code {{ x }}}, {@code ~} and {@code |string} give) and {@code repr()} (how a list or dict shows
 * its items), for the values a template holds: strings, numbers, booleans, none, lists and dicts.
 */
final class PythonText {

    private PythonText() {
    }

    /** str(value); {@code none} stands for Jinjava's one null (None, or Jinja2's undefined, which writes as nothing). */
    static String str(Object value, String none) {
        if (value == null) return none;
        if (value instanceof String || value instanceof SafeString) return value.toString();
        StringBuilder out = new StringBuilder();
        repr(value, out, 0);
        return out.toString();
    }

    /** repr(value). */
    static String repr(Object value) {
        StringBuilder out = new StringBuilder();
        repr(value, out, 0);
        return out.toString();
    }

    private static void repr(Object v, StringBuilder out, int depth) {
        if (depth > 100) {
            throw new IllegalArgumentException("A value nested more than 100 levels deep cannot be written.");
        }
        if (v == null) {
            out.append("None");
        } else if (v instanceof Boolean b) {
            out.append(b ? "True" : "False");
        } else if (v instanceof Double || v instanceof Float) {
            out.append(floatRepr(((Number) v).doubleValue()));
        } else if (v instanceof BigDecimal d) {
            out.append(d.toPlainString());
        } else if (v instanceof Number n) {
            out.append(n);
        } else if (v instanceof String || v instanceof SafeString || v instanceof Character) {
            string(v.toString(), out);
        } else if (v instanceof Map<?, ?> map) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (!first) out.append(", ");
                first = false;
                repr(e.getKey(), out, depth + 1);
                out.append(": ");
                repr(e.getValue(), out, depth + 1);
            }
            out.append('}');
        } else if (v instanceof Collection<?> || v instanceof Object[]) {
            Iterable<?> items = v instanceof Object[] a ? Arrays.asList(a) : (Collection<?>) v;
            out.append('[');
            boolean first = true;
            for (Object item : items) {
                if (!first) out.append(", ");
                first = false;
                repr(item, out, depth + 1);
            }
            out.append(']');
        } else {
            out.append(v);
        }
    }

    /** A string's repr: single quotes unless it holds one and no double quote; backslash escapes for the rest. */
    private static void string(String s, StringBuilder out) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        out.append(quote);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == quote || c == '\\') out.append('\\').append(c);
            else if (c == '\n') out.append("\\n");
            else if (c == '\r') out.append("\\r");
            else if (c == '\t') out.append("\\t");
            else if (c < 0x20 || c == 0x7f) out.append(String.format("\\x%02x", (int) c));
            else out.append(c);
        }
        out.append(quote);
    }

    /** Python's repr of a float: the shortest digits that read back, in positional form from 1e-4 up to 1e16. */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) return "nan";
        if (Double.isInfinite(d)) return d > 0 ? "inf" : "-inf";
        if (d == 0) return (1 / d < 0) ? "-0.0" : "0.0";
        BigDecimal shortest = new BigDecimal(Double.toString(d)).stripTrailingZeros();
        int exponent = shortest.precision() - shortest.scale() - 1; // of the leading digit
        if (exponent >= -4 && exponent < 16) {
            String plain = shortest.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = shortest.unscaledValue().abs().toString();
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
