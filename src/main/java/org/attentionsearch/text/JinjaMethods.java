package org.attentionsearch.text;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.hubspot.jinjava.el.ext.NamedParameter;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.util.ForLoop;

import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;
import jinjava.javax.el.ELResolver;
import jinjava.javax.el.MethodNotFoundException;

/**
 * The method calls a chat template may make, as Python answers them: the string methods templates
 * use ({@code content.strip()}, {@code .startswith('<tool_response>')}, {@code .split('</think>')},
 * {@code '<{}>'.format(x)} …) and a dict's {@code items()}, {@code keys()}, {@code values()} and
 * {@code get()}. Every other call is refused, so a template reaches no Java method of the objects it
 * sees ({@code 'a'.repeat(10**9)} would fill the memory). Jinjava's own calls (a filter, a test,
 * {@code loop.cycle}) pass through.
 */
final class JinjaMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base == null || method == null || base instanceof Filter || base instanceof ExpTest || base instanceof ForLoop) {
            return null; // not resolved here: Jinjava's resolvers handle it
        }
        String name = method.toString();
        Object[] args = params == null ? new Object[0] : params;
        List<Object> positional = new ArrayList<>();
        Map<String, Object> keywords = new LinkedHashMap<>();
        for (Object a : args) {
            if (a instanceof NamedParameter p) keywords.put(p.getName(), p.getValue());
            else positional.add(a);
        }
        boolean string = base instanceof String || base instanceof SafeString;
        if (!keywords.isEmpty() && !(string && name.equals("format"))) {
            throw new ELException("The method " + name + "() is called with the keyword argument "
                    + keywords.keySet().iterator().next() + ", which is not supported.");
        }
        Object result;
        if (string && name.equals("format")) {
            result = format(base.toString(), positional, keywords);
        } else if (string) {
            result = stringMethod(base.toString(), name, args);
        } else if (base instanceof Map<?, ?> map) {
            result = dictMethod(map, name, args);
        } else {
            throw new MethodNotFoundException("A chat template cannot call " + name + "() on a " + typeName(base) + ".");
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static Object stringMethod(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> strip(s, chars(name, a), true, true);
            case "lstrip" -> strip(s, chars(name, a), true, false);
            case "rstrip" -> strip(s, chars(name, a), false, true);
            case "startswith" -> affix(s, name, a, true);
            case "endswith" -> affix(s, name, a, false);
            case "split" -> split(s, name, a, false);
            case "rsplit" -> split(s, name, a, true);
            case "splitlines" -> {
                arity(name, a, 0, 0);
                yield splitLines(s);
            }
            case "upper" -> {
                arity(name, a, 0, 0);
                yield s.toUpperCase(Locale.ROOT);
            }
            case "lower" -> {
                arity(name, a, 0, 0);
                yield s.toLowerCase(Locale.ROOT);
            }
            case "title" -> {
                arity(name, a, 0, 0);
                yield title(s);
            }
            case "capitalize" -> {
                arity(name, a, 0, 0);
                yield s.isEmpty() ? s : s.substring(0, s.offsetByCodePoints(0, 1)).toUpperCase(Locale.ROOT)
                        + s.substring(s.offsetByCodePoints(0, 1)).toLowerCase(Locale.ROOT);
            }
            case "replace" -> {
                arity(name, a, 2, 3);
                yield replace(s, str(name, a[0]), str(name, a[1]), a.length == 3 ? integer(name, a[2]) : -1);
            }
            case "find" -> {
                arity(name, a, 1, 1);
                int at = s.indexOf(str(name, a[0]));
                yield (long) (at < 0 ? -1 : s.codePointCount(0, at));
            }
            case "count" -> {
                arity(name, a, 1, 1);
                yield (long) count(s, str(name, a[0]));
            }
            case "join" -> {
                arity(name, a, 1, 1);
                List<String> parts = new ArrayList<>();
                for (Object o : iterable(name, a[0])) parts.add(str(name, o));
                yield String.join(s, parts);
            }
            case "isspace" -> {
                arity(name, a, 0, 0);
                yield !s.isEmpty() && s.codePoints().allMatch(JinjaMethods::isSpace);
            }
            case "isdigit" -> {
                arity(name, a, 0, 0);
                yield !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            }
            default -> throw new MethodNotFoundException("A chat template cannot call " + name + "() on a string.");
        };
    }

    /**
     * str.format with plain replacement fields: {@code {}}, {@code {0}}, {@code {name}}, and
     * {@code {{}} / {@code }}} for braces; a conversion or format spec is refused (a width could
     * multiply the text).
     */
    private static String format(String s, List<Object> positional, Map<String, Object> keywords) {
        StringBuilder out = new StringBuilder();
        int auto = 0;
        boolean numbered = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ((c == '{' || c == '}') && i + 1 < s.length() && s.charAt(i + 1) == c) {
                out.append(c);
                i++;
            } else if (c == '}') {
                throw new ELException("str.format() met a single '}'.");
            } else if (c == '{') {
                int end = s.indexOf('}', i);
                if (end < 0) throw new ELException("str.format() met a '{' that is never closed.");
                String field = s.substring(i + 1, end);
                Object value;
                if (field.isEmpty()) {
                    if (numbered) throw new ELException("str.format() cannot mix numbered and automatic fields.");
                    value = argument(positional, auto++);
                } else if (field.chars().allMatch(Character::isDigit)) {
                    if (auto > 0) throw new ELException("str.format() cannot mix numbered and automatic fields.");
                    numbered = true;
                    value = argument(positional, Integer.parseInt(field));
                } else if (field.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                    if (!keywords.containsKey(field)) throw new ELException("str.format() has no argument named " + field + ".");
                    value = keywords.get(field);
                } else {
                    throw new ELException("str.format()'s field {" + field + "} is not supported (only {}, {0} and {name} are).");
                }
                out.append(PythonText.str(value, "None"));
                i = end;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static Object argument(List<Object> positional, int index) {
        if (index >= positional.size()) throw new ELException("str.format() has no argument " + index + ".");
        return positional.get(index);
    }

    private static Object dictMethod(Map<?, ?> map, String name, Object[] a) {
        return switch (name) {
            case "items" -> {
                arity(name, a, 0, 0);
                List<Object> out = new ArrayList<>();
                for (Map.Entry<?, ?> e : map.entrySet()) out.add(new ArrayList<>(Arrays.asList(e.getKey(), e.getValue())));
                yield out;
            }
            case "keys" -> {
                arity(name, a, 0, 0);
                yield new ArrayList<Object>(map.keySet());
            }
            case "values" -> {
                arity(name, a, 0, 0);
                yield new ArrayList<Object>(map.values());
            }
            case "get" -> {
                arity(name, a, 1, 2);
                yield map.containsKey(a[0]) ? map.get(a[0]) : a.length == 2 ? a[1] : null;
            }
            default -> throw new MethodNotFoundException("A chat template cannot call " + name + "() on a dict.");
        };
    }

    /** Python's whitespace: Unicode White_Space (which includes the no-break spaces Java's isWhitespace leaves out). */
    static boolean isSpace(int cp) {
        return Character.isWhitespace(cp) || Character.isSpaceChar(cp) || cp == 0x85;
    }

    /** str.strip/lstrip/rstrip: whitespace when {@code chars} is null, else any of its characters. */
    static String strip(String s, String chars, boolean left, boolean right) {
        int from = 0, to = s.length();
        while (left && from < to && stripped(s.codePointAt(from), chars)) from += Character.charCount(s.codePointAt(from));
        while (right && to > from && stripped(s.codePointBefore(to), chars)) to -= Character.charCount(s.codePointBefore(to));
        return s.substring(from, to);
    }

    private static boolean stripped(int cp, String chars) {
        return chars == null ? isSpace(cp) : chars.indexOf(cp) >= 0;
    }

    private static String chars(String name, Object[] a) {
        arity(name, a, 0, 1);
        return a.length == 0 || a[0] == null ? null : str(name, a[0]);
    }

    /** startswith/endswith with one string or a list (tuple) of them. */
    private static boolean affix(String s, String name, Object[] a, boolean start) {
        arity(name, a, 1, 1);
        if (a[0] instanceof String || a[0] instanceof SafeString) {
            String x = a[0].toString();
            return start ? s.startsWith(x) : s.endsWith(x);
        }
        for (Object o : iterable(name, a[0])) {
            String x = str(name, o);
            if (start ? s.startsWith(x) : s.endsWith(x)) return true;
        }
        return false;
    }

    /** str.split/rsplit(sep=None, maxsplit=-1). */
    private static List<String> split(String s, String name, Object[] a, boolean fromRight) {
        arity(name, a, 0, 2);
        String sep = a.length == 0 || a[0] == null ? null : str(name, a[0]);
        long max = a.length == 2 ? integer(name, a[1]) : -1;
        if (sep != null && sep.isEmpty()) throw new ELException("str." + name + "() was given an empty separator.");
        List<String> parts = new ArrayList<>();
        if (sep == null) {
            // Runs of whitespace separate; none are kept at either end.
            String rest = fromRight ? strip(s, null, false, true) : strip(s, null, true, false);
            while (!rest.isEmpty() && (max < 0 || parts.size() < max)) {
                int cut = fromRight ? lastSpace(rest) : firstSpace(rest);
                if (cut < 0) break;
                if (fromRight) {
                    parts.add(0, rest.substring(cut + 1));
                    rest = strip(rest.substring(0, cut), null, false, true);
                } else {
                    parts.add(rest.substring(0, cut));
                    rest = strip(rest.substring(cut), null, true, false);
                }
            }
            if (!rest.isEmpty()) {
                if (fromRight) parts.add(0, rest);
                else parts.add(rest);
            }
            return parts;
        }
        String rest = s;
        while (max < 0 || parts.size() < max) {
            int at = fromRight ? rest.lastIndexOf(sep) : rest.indexOf(sep);
            if (at < 0) break;
            if (fromRight) {
                parts.add(0, rest.substring(at + sep.length()));
                rest = rest.substring(0, at);
            } else {
                parts.add(rest.substring(0, at));
                rest = rest.substring(at + sep.length());
            }
        }
        if (fromRight) parts.add(0, rest);
        else parts.add(rest);
        return parts;
    }

    private static int firstSpace(String s) {
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            if (isSpace(s.codePointAt(i))) return i;
        }
        return -1;
    }

    private static int lastSpace(String s) {
        for (int i = s.length(); i > 0; i -= Character.charCount(s.codePointBefore(i))) {
            if (isSpace(s.codePointBefore(i))) return i - Character.charCount(s.codePointBefore(i));
        }
        return -1;
    }

    /** str.splitlines(): lines without their breaks (\r\n counts as one), no empty line after a final break. */
    static List<String> splitLines(String s) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            if (LINE_BREAKS.indexOf(s.charAt(i)) >= 0) {
                lines.add(s.substring(start, i));
                if (s.charAt(i) == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') i++;
                start = i + 1;
            }
        }
        if (start < s.length()) lines.add(s.substring(start));
        return lines;
    }

    private static final String LINE_BREAKS = "\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029";

    /** str.title: the first cased letter of each run of letters upper (title) case, the others lower. */
    private static String title(String s) {
        StringBuilder out = new StringBuilder(s.length());
        boolean inWord = false;
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            int cp = s.codePointAt(i);
            boolean letter = Character.isLetter(cp);
            out.appendCodePoint(letter ? (inWord ? Character.toLowerCase(cp) : Character.toTitleCase(cp)) : cp);
            inWord = letter;
        }
        return out.toString();
    }

    private static String replace(String s, String old, String with, long count) {
        if (count < 0) return s.replace(old, with);
        StringBuilder out = new StringBuilder();
        int from = 0;
        for (long n = 0; n < count; n++) {
            int at = old.isEmpty() ? (from <= s.length() ? from : -1) : s.indexOf(old, from);
            if (at < 0) break;
            out.append(s, from, at).append(with);
            if (old.isEmpty()) {
                if (at == s.length()) {
                    from = at + 1;
                    break;
                }
                out.appendCodePoint(s.codePointAt(at));
                from = at + Character.charCount(s.codePointAt(at));
            } else {
                from = at + old.length();
            }
        }
        if (from <= s.length()) out.append(s, from, s.length());
        return out.toString();
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) return s.codePointCount(0, s.length()) + 1;
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
        return n;
    }

    private static void arity(String name, Object[] a, int min, int max) {
        if (a.length < min || a.length > max) {
            throw new ELException("The method " + name + "() takes " + (min == max ? String.valueOf(min) : min + " to " + max)
                    + (max == 1 ? " argument" : " arguments") + ", not " + a.length + ".");
        }
    }

    private static String str(String name, Object o) {
        if (o instanceof String || o instanceof SafeString) return o.toString();
        throw new ELException("The method " + name + "() needs a string, not a " + typeName(o) + ".");
    }

    private static long integer(String name, Object o) {
        if (o instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.longValue();
        throw new ELException("The method " + name + "() needs an integer, not a " + typeName(o) + ".");
    }

    private static Iterable<?> iterable(String name, Object o) {
        if (o instanceof Collection<?> c) return c;
        if (o instanceof Object[] arr) return Arrays.asList(arr);
        throw new ELException("The method " + name + "() needs a list, not a " + typeName(o) + ".");
    }

    static String typeName(Object o) {
        if (o == null) return "none";
        if (o instanceof String || o instanceof SafeString) return "string";
        if (o instanceof Map) return "dict";
        if (o instanceof Collection || o instanceof Object[]) return "list";
        if (o instanceof Boolean) return "boolean";
        if (o instanceof Number) return "number";
        return "value";
    }

    /**
     * A string has no attributes but its methods (a Java getter such as {@code 'a'.bytes} stays out of
     * reach); a loop has Jinja2's {@code previtem} and {@code nextitem}.
     */
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        if (base instanceof String || base instanceof SafeString) {
            context.setPropertyResolved(true);
        } else if (base instanceof ForLoop loop && ("previtem".equals(property) || "nextitem".equals(property))) {
            context.setPropertyResolved(true);
            Context scope = JinjavaInterpreter.getCurrent().getContext();
            if (scope.get("loop") == loop && scope.get(JinjaLibrary.LOOP_ITEMS) instanceof List<?> items) {
                int at = loop.getIndex0() + ("previtem".equals(property) ? -1 : 1);
                return at >= 0 && at < items.size() ? items.get(at) : null;
            }
        }
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
