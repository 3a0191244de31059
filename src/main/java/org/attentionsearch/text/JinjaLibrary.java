package org.attentionsearch.text;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import com.hubspot.jinjava.util.ObjectTruthValue;

/**
 * What chat templates call that Jinjava lacks or does otherwise than Jinja2 in transformers'
 * environment: the {@code raise_exception} and {@code strftime_now} globals; the {@code tojson},
 * {@code trim}, {@code items}, {@code indent}, {@code min}, {@code max} and {@code string} filters and
 * the {@code iterable} and {@code sequence} tests as Jinja2 and transformers define them; loops
 * with Jinja2's {@code if} filter and {@code loop.previtem} / {@code loop.nextitem}; and the tag a
 * comment becomes ({@link JinjaSource}).
 */
final class JinjaLibrary {

    private JinjaLibrary() {
    }

    /** Adds them to Jinjava's global context (replacing its own of the same names). */
    static void register(Context globals) {
        globals.registerFunction(new ELFunctionDefinition("", "raise_exception", JinjaLibrary.class, "raiseException", Object.class));
        globals.registerFunction(new ELFunctionDefinition("", "strftime_now", JinjaLibrary.class, "strftimeNow", String.class));
        globals.registerFilter(new ToJson());
        globals.registerFilter(new Trim());
        globals.registerFilter(new Items());
        globals.registerFilter(new Indent());
        globals.registerFilter(new Extreme("min", -1));
        globals.registerFilter(new Extreme("max", 1));
        globals.registerFilter(new PythonString());
        globals.registerExpTest(new IterableTest("iterable"));
        globals.registerExpTest(new IterableTest("sequence"));
        globals.registerTag(new PythonFor());
        globals.registerTag(new Comment());
    }

    /** What the template's raise_exception(message) throws. */
    static final class Raised extends RuntimeException {
        Raised(String message) {
            super(message, null, false, false);
        }
    }

    /** The {@code raise_exception(message)} global: the template refuses the conversation. */
    static Object raiseException(Object message) {
        throw new Raised(String.valueOf(message));
    }

    /** The {@code strftime_now(format)} global: the current local time in a Python strftime format. */
    static String strftimeNow(String format) {
        JinjavaConfig config = JinjavaInterpreter.getCurrent().getConfig();
        var now = Instant.ofEpochMilli(config.getDateTimeProvider().getCurrentTimeMillis()).atZone(config.getTimeZone());
        return format.indexOf('%') < 0 ? format : StrftimeFormatter.format(now, format, Locale.ENGLISH);
    }

    /** Transformers' {@code tojson}: Python's json.dumps with ensure_ascii off and its indent, separators, sort_keys. */
    private static final class ToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Map<String, Object> named = new LinkedHashMap<>(kwargs);
            String[] positional = {"indent", "separators", "sort_keys", "ensure_ascii"};
            for (int i = 0; i < args.length && i < positional.length; i++) named.putIfAbsent(positional[i], args[i]);
            Object indent = named.get("indent");
            String indentText = indent == null ? null
                    : indent instanceof Number n ? " ".repeat((int) Math.max(0, Math.min(n.longValue(), 100))) : indent.toString();
            List<String> separators = null;
            if (named.get("separators") instanceof List<?> l && l.size() == 2) separators = List.of(String.valueOf(l.get(0)), String.valueOf(l.get(1)));
            try {
                return new JinjaJson(indentText, separators, truthy(named.get("sort_keys")), truthy(named.get("ensure_ascii")),
                        interpreter.getConfig().getMaxOutputSize()).dumps(var);
            } catch (IllegalArgumentException e) {
                throw new JinjaEnvironment.Stopped("The chat template cannot be rendered: " + e.getMessage());
            }
        }

        private static boolean truthy(Object o) {
            return o instanceof Boolean b ? b : o != null;
        }
    }

    /** Jinja2's {@code trim}: Python's str.strip (Unicode whitespace, or the characters given). */
    private static final class Trim implements Filter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            String chars = args.length > 0 ? args[0] : null;
            return JinjaMethods.strip(var == null ? "" : var.toString(), chars, true, true);
        }
    }

    /** Jinja2's {@code items}: a dict's [key, value] pairs, none for an undefined value. */
    private static final class Items implements Filter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            if (var == null) return List.of();
            if (!(var instanceof Map<?, ?> map)) throw new IllegalArgumentException("items needs a dict, not a " + JinjaMethods.typeName(var) + ".");
            return map.entrySet().stream().map(e -> (Object) new ArrayList<>(Arrays.asList(e.getKey(), e.getValue()))).toList();
        }
    }

    /**
     * Jinja2's {@code indent(width=4, first=False, blank=False)}: every line but the first (and, with
     * {@code first}, that one too) after {@code width} spaces or the string given; blank lines only
     * with {@code blank}. Refused when the result would pass the output limit.
     */
    private static final class Indent implements Filter {
        @Override
        public String getName() {
            return "indent";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Map<String, Object> named = new LinkedHashMap<>(kwargs);
            String[] positional = {"width", "first", "blank"};
            for (int i = 0; i < args.length && i < positional.length; i++) named.putIfAbsent(positional[i], args[i]);
            Object width = named.getOrDefault("width", 4L);
            String text = var == null ? "" : var.toString();
            long lineCount = text.chars().filter(c -> c == '\n').count() + 1;
            String indent;
            if (width instanceof Number n) {
                long spaces = Math.max(0, n.longValue());
                if (spaces * lineCount + text.length() > interpreter.getConfig().getMaxOutputSize()) {
                    throw new JinjaEnvironment.Stopped("The chat template's indent would pass the output limit.");
                }
                indent = " ".repeat((int) spaces);
            } else {
                indent = String.valueOf(width);
                if ((long) indent.length() * lineCount + text.length() > interpreter.getConfig().getMaxOutputSize()) {
                    throw new JinjaEnvironment.Stopped("The chat template's indent would pass the output limit.");
                }
            }
            boolean first = ObjectTruthValue.evaluate(named.get("first")), blank = ObjectTruthValue.evaluate(named.get("blank"));
            List<String> lines = JinjaMethods.splitLines(text + "\n"); // as Jinja2 splits it
            StringBuilder out = new StringBuilder();
            for (int i = 0; i < lines.size(); i++) {
                if (i > 0) out.append('\n');
                if (i == 0 ? first : blank || !lines.get(i).isEmpty()) out.append(indent);
                out.append(lines.get(i));
            }
            return out.toString();
        }
    }

    /** Jinja2's {@code min} and {@code max}: of numbers, or of strings ignoring case unless asked; by an attribute if named. */
    private static final class Extreme implements Filter {
        private final String name;
        private final int sign;

        Extreme(String name, int sign) {
            this.name = name;
            this.sign = sign;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            boolean caseSensitive = ObjectTruthValue.evaluate(args.length > 0 ? args[0] : kwargs.get("case_sensitive"));
            Object attribute = args.length > 1 ? args[1] : kwargs.get("attribute");
            Object best = null, bestKey = null;
            ForLoop items = ObjectIterator.getLoop(var);
            while (items.hasNext()) {
                Object item = items.next();
                Object key = attribute != null && item instanceof Map<?, ?> m ? m.get(String.valueOf(attribute)) : item;
                if (key instanceof String str && !caseSensitive) key = str.toLowerCase(Locale.ROOT);
                if (best == null || sign * compare(key, bestKey) > 0) {
                    best = item;
                    bestKey = key;
                }
            }
            return best;
        }

        private int compare(Object a, Object b) {
            if (a instanceof Number x && b instanceof Number y) return Double.compare(x.doubleValue(), y.doubleValue());
            if (a instanceof String x && b instanceof String y) return x.compareTo(y);
            throw new IllegalArgumentException(name + " cannot compare a " + JinjaMethods.typeName(a) + " with a " + JinjaMethods.typeName(b) + ".");
        }
    }

    /** Jinja2's {@code string}: Python's str() of the value ({@code True}, {@code None}, a dict as Python writes it). */
    private static final class PythonString implements Filter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return PythonText.str(var, "None");
        }
    }

    /** Jinja2's {@code iterable} and {@code sequence}: strings, lists and dicts (Jinjava's leave out strings and dicts). */
    private static final class IterableTest implements ExpTest {
        private final String name;

        IterableTest(String name) {
            this.name = name;
        }

        @Override
        public String getName() {
            return name;
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof String || var instanceof SafeString || var instanceof Collection || var instanceof Map
                    || var instanceof Object[];
        }
    }

    /** What a comment becomes ({@link JinjaSource}): a tag that writes nothing. */
    private static final class Comment implements Tag {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return JinjaSource.COMMENT_TAG;
        }

        @Override
        public String getEndTagName() {
            return null;
        }

        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            return "";
        }
    }

    /** Where a loop's items are kept for {@code loop.previtem} and {@code loop.nextitem} (a name no template can write). */
    static final String LOOP_ITEMS = "loop items";

    /**
     * Jinja2's loops: {@code {% for x in items if condition %}} runs over the items the condition
     * keeps (so {@code loop.index} and {@code loop.last} count those only), and the items are kept
     * beside the loop for {@code loop.previtem} and {@code loop.nextitem} ({@link JinjaMethods}).
     */
    private static final class PythonFor extends ForTag {
        private static final long serialVersionUID = 1L;

        @Override
        public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
            var varsAndExpression = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
            List<String> vars = varsAndExpression.getLeft();
            String expression = varsAndExpression.getRight();
            int cut = topLevelIf(expression);
            Object items = interpreter.resolveELExpression(cut < 0 ? expression : expression.substring(0, cut), tagNode.getLineNumber());
            String condition = cut < 0 ? null : expression.substring(cut + " if ".length());
            List<Object> kept = new ArrayList<>();
            ForLoop all = ObjectIterator.getLoop(items);
            try (var scope = interpreter.enterScope()) {
                while (all.hasNext()) {
                    Object item = all.next();
                    if (condition != null) {
                        bind(vars, interpreter.wrap(item), interpreter);
                        if (!ObjectTruthValue.evaluate(interpreter.resolveELExpression(condition, tagNode.getLineNumber()))) continue;
                    }
                    kept.add(item);
                }
            }
            try (var scope = interpreter.enterScope()) {
                interpreter.getContext().put(LOOP_ITEMS, kept);
                return renderForCollection(tagNode, interpreter, vars, kept);
            }
        }

        /** The loop variables for one item: the item, or its key and value, or its elements. */
        private static void bind(List<String> vars, Object item, JinjavaInterpreter interpreter) {
            if (vars.size() == 1) {
                interpreter.getContext().put(vars.get(0), item);
                return;
            }
            List<?> parts = item instanceof Map.Entry<?, ?> e ? Arrays.asList(e.getKey(), e.getValue())
                    : item instanceof List<?> l ? l : List.of();
            for (int i = 0; i < vars.size(); i++) interpreter.getContext().put(vars.get(i), i < parts.size() ? parts.get(i) : null);
        }

        /**
         * Where {@code " if "} starts outside strings and brackets, or -1: Jinja2's grammar allows no
         * conditional expression there without parentheses, so the first one starts the condition.
         */
        static int topLevelIf(String expression) {
            int depth = 0;
            char quote = 0;
            for (int i = 0; i < expression.length(); i++) {
                char c = expression.charAt(i);
                if (quote != 0) {
                    if (c == '\\') i++;
                    else if (c == quote) quote = 0;
                } else if (c == '\'' || c == '"') {
                    quote = c;
                } else if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if (c == ')' || c == ']' || c == '}') {
                    depth--;
                } else if (depth == 0 && Character.isWhitespace(c) && expression.startsWith("if", i + 1)
                        && i + 3 < expression.length() && Character.isWhitespace(expression.charAt(i + 3))) {
                    return i;
                }
            }
            return -1;
        }
    }
}
