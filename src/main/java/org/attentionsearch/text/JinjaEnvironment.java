package org.attentionsearch.text;

import java.nio.charset.Charset;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.JinjavaProcessors;
import com.hubspot.jinjava.interpret.CollectionTooBigException;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.OutputTooBigException;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TagCycleException;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.expression.ExpressionStrategy;
import com.hubspot.jinjava.lib.filter.EscapeFilter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.loader.ResourceNotFoundException;
import com.hubspot.jinjava.mode.ExecutionMode;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.output.RenderedOutputNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;

import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

/**
 * Jinjava set up as Hugging Face renders chat templates (transformers' sandboxed Jinja2
 * environment: {@code trim_blocks} and {@code lstrip_blocks} on, the source read as its lexer reads
 * it ({@link JinjaSource}), the {@code raise_exception} and {@code strftime_now} globals, its own
 * {@code tojson}; {@link JinjaLibrary}), with Python's
 * string methods and slices added, and closed to a hostile template: no file or classpath
 * template can be included, only Jinja2's own filters and globals are there, no Java method can be
 * called, and output, strings, lists, steps and time are limited.
 * <p>Renders one template at a time (Jinjava's global context is reset after each render).
 */
final class JinjaEnvironment {

    /**
     * What one render may use.
     *
     * @param maxOutput the longest output, and the longest string or JSON built on the way (characters)
     * @param maxItems  the most items a list or dict may hold
     * @param maxSteps  the most template nodes rendered (a loop's body counts once per pass)
     * @param maxTime   the longest a render may run
     */
    record Limits(long maxOutput, int maxItems, long maxSteps, Duration maxTime) {
        /** Far above any real conversation, low enough that a hostile template stops in seconds. */
        static final Limits DEFAULT = new Limits(8_000_000, 100_000, 1_000_000, Duration.ofSeconds(5));
    }

    /**
     * Jinja2's built-in filters that Jinjava has and that cannot multiply a text's size by a number
     * they are given, and those of {@link JinjaLibrary}.
     */
    private static final Set<String> FILTERS = Set.of("abs", "attr", "batch", "capitalize", "count", "d", "default",
            "dictsort", "e", "escape", "first", "float", "forceescape", "groupby", "int", "join", "last", "length",
            "list", "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round", "safe",
            "select", "selectattr", "slice", "sort", "string", "sum", "title", "unique", "upper", "wordcount",
            "tojson", "trim", "items", "indent");
    /** Jinja2's globals in Jinjava, and Hugging Face's two. */
    private static final Set<String> FUNCTIONS = Set.of(":range", ":namespace", ":raise_exception", ":strftime_now");
    /**
     * Where Jinjava can behave as Jinja2 does and does not by default: {@code {{- x -}}} and
     * {@code {#- -#}} trim whitespace, dict literals evaluate their keys, a dict iterates over its keys,
     * and lists and dicts print as Python prints them. (Its other overrides would part from Jinja2:
     * its "natural" precedence reads {@code not x is defined} as {@code (not x) is defined}.)
     */
    private static final LegacyOverrides PYTHON_BEHAVIOUR = LegacyOverrides.newBuilder()
            .withUseTrimmingForNotesAndExpressions(true)
            .withEvaluateMapKeys(true)
            .withIterateOverMapKeys(true)
            .withUsePyishObjectMapper(true)
            .build();
    /** Deeper than any schema a template walks; Python would stop a little deeper. */
    private static final int MAX_MACRO_DEPTH = 100;
    /** Jinja2's sandbox refuses a longer range (Jinjava cuts it short). */
    private static final int MAX_RANGE = 100_000;
    /**
     * The globals as variables too, so that {@code strftime_now is defined} holds as in Jinja2 (a
     * call still goes to the function).
     */
    private static final Map<String, Object> GLOBALS = Map.of("raise_exception", new Global("raise_exception"),
            "strftime_now", new Global("strftime_now"), "range", new Global("range"), "namespace", new Global("namespace"));

    /** A global function seen as a value: it prints as Python prints a function. */
    private record Global(String name) {
        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }

    /** Tags that would read another template: there is none to read. */
    private static final Set<String> LOADING_TAGS = Set.of("include", "import", "from", "extends");

    private final Limits limits;
    private final Jinjava jinjava;
    private Budget budget; // the render in progress

    /** @param clock the time strftime_now tells, in its zone */
    JinjaEnvironment(Limits limits, Clock clock) {
        this.limits = limits;
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new JinjaMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withKeepTrailingNewline(true) // Jinjava would cut the output's last newline; Jinja2 cuts the source's (JinjaSource)
                .withLegacyOverrides(PYTHON_BEHAVIOUR)
                .withExecutionMode(new ExecutionMode() {
                    @Override
                    public void prepareContext(Context context) {
                        context.setExpressionStrategy(new PythonOutput());
                    }
                })
                .withNestedInterpretationEnabled(false) // else an output holding "{{" would be rendered again: a message could run template code
                .withLocale(Locale.ENGLISH)
                .withTimeZone(clock.getZone())
                .withDateTimeProvider(clock::millis)
                .withMaxOutputSize(limits.maxOutput())
                .withMaxStringLength(limits.maxOutput())
                .withMaxListSize(limits.maxItems())
                .withMaxMapSize(limits.maxItems())
                .withRangeLimit(MAX_RANGE)
                .withEnableRecursiveMacroCalls(true) // tool templates walk JSON schemas with recursive macros
                .withMaxMacroRecursionDepth(MAX_MACRO_DEPTH)
                .withElResolver(resolver)
                .withDisabled(disabled())
                .withProcessors(JinjavaProcessors.newBuilder().withNodePreProcessor(this::step).build())
                .build();
        ExpressionFactory expressions = JinjaSyntax.expressionFactory(limits.maxItems());
        jinjava = new Jinjava(config) {
            @Override
            public ExpressionFactory getExpressionFactory() {
                return expressions;
            }
        };
        jinjava.setResourceLocator((String name, Charset encoding, JinjavaInterpreter interpreter) -> {
            throw new ResourceNotFoundException("A chat template cannot include other templates (" + name + ").");
        });
        JinjaLibrary.register(jinjava.getGlobalContext());
    }

    /** Everything of Jinjava's libraries that Jinja2 (as Hugging Face sets it up) does not have, or that reads templates. */
    private static Map<Context.Library, Set<String>> disabled() {
        Context defaults = new Context();
        Set<String> filters = new HashSet<>(), functions = new HashSet<>();
        for (Filter f : defaults.getAllFilters()) if (!FILTERS.contains(f.getName())) filters.add(f.getName());
        for (ELFunctionDefinition f : defaults.getAllFunctions()) if (!FUNCTIONS.contains(f.getName())) functions.add(f.getName());
        return Map.of(Context.Library.FILTER, filters, Context.Library.FUNCTION, functions, Context.Library.TAG, LOADING_TAGS);
    }

    /**
     * The template's output for these variables.
     *
     * @throws IllegalArgumentException with one sentence when the template raises an exception,
     *                                  cannot be rendered, or exceeds a limit
     */
    synchronized String render(String template, Map<String, Object> variables) {
        budget = new Budget(limits);
        RenderResult result;
        try {
            Map<String, Object> all = new LinkedHashMap<>(GLOBALS);
            all.putAll(variables);
            result = jinjava.renderForResult(JinjaSource.read(template), all);
        } catch (Stopped e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } finally {
            budget = null;
        }
        for (TemplateError e : result.getErrors()) {
            // Jinjava only warns when a macro recurses too deep; Jinja2 fails.
            if (e.getSeverity() == TemplateError.ErrorType.FATAL || e.getException() instanceof TagCycleException) {
                throw new IllegalArgumentException(sentence(e));
            }
        }
        return result.getOutput();
    }

    /** Called before every node is rendered: counts it, and stops the render past a limit. */
    private void step(Node node, JinjavaInterpreter interpreter) {
        Budget b = budget;
        if (b != null) b.step();
    }

    /** The steps and time one render has used. */
    private static final class Budget {
        private final Limits limits;
        private final long deadline; // System.nanoTime()
        private long steps;

        Budget(Limits limits) {
            this.limits = limits;
            this.deadline = System.nanoTime() + limits.maxTime().toNanos();
        }

        void step() {
            if (++steps > limits.maxSteps()) {
                throw new Stopped("The chat template did not finish within " + limits.maxSteps() + " steps.");
            }
            if (System.nanoTime() - deadline > 0) {
                long ms = limits.maxTime().toMillis();
                throw new Stopped("The chat template did not finish within "
                        + (ms % 1000 == 0 ? String.valueOf(ms / 1000) : String.valueOf(ms / 1000.0)) + " seconds.");
            }
        }
    }

    /**
     * A render this environment stopped (a limit reached, a value tojson cannot write); its message is
     * the sentence to show. An Error, so that no {@code catch (Exception)} in Jinjava (which records
     * an expression's failure and renders on) holds it up: it ends the render where it is thrown.
     */
    static final class Stopped extends Error {
        private static final long serialVersionUID = 1L;

        Stopped(String message) {
            super(message, null, false, false);
        }
    }

    /** One sentence for a render error: the template's own message when it raised one, else Jinjava's, on one line. */
    private String sentence(TemplateError e) {
        String output = "The chat template's output would exceed " + limits.maxOutput() + " characters.";
        String items = "The chat template would build a list or dict of more than " + limits.maxItems() + " items.";
        for (Throwable t = e.getException(); t != null; t = t.getCause()) {
            if (t instanceof JinjaLibrary.Raised) return "The chat template refused the conversation: " + asSentence(t.getMessage());
            if (t instanceof Stopped) return t.getMessage();
            if (t instanceof OutputTooBigException) return output;
            if (t instanceof CollectionTooBigException) return items;
        }
        if (e.getReason() == TemplateError.ErrorReason.OUTPUT_TOO_BIG) return output;
        if (e.getReason() == TemplateError.ErrorReason.COLLECTION_TOO_BIG) return items;
        String where = e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : "";
        String message = e.getMessage() == null ? e.getReason().toString() : e.getMessage();
        return "The chat template cannot be rendered" + where + ": " + asSentence(message);
    }

    private static String asSentence(String message) {
        String s = message.replaceAll("\\s+", " ").strip();
        if (s.length() > 300) s = s.substring(0, 300) + "…";
        return s.endsWith(".") || s.endsWith("!") || s.endsWith("?") ? s : s + ".";
    }

    /**
     * {@code {{ … }}} writes a value as Python's str() does (True, 2.5e-05, {'a': None}); what Python
     * has no such value for, as Jinjava writes it.
     */
    private static final class PythonOutput implements ExpressionStrategy {
        private static final long serialVersionUID = 1L;

        @Override
        public RenderedOutputNode interpretOutput(ExpressionToken master, JinjavaInterpreter interpreter) {
            Object value = interpreter.resolveELExpression(master.getExpr(), master.getLineNumber());
            boolean python = value instanceof Boolean || value instanceof Number || value instanceof Map || value instanceof Collection
                    || value instanceof Object[];
            String text = python ? PythonText.str(value, "") : interpreter.getAsString(value);
            if (interpreter.getContext().isAutoEscape() && !(value instanceof SafeString)) {
                text = EscapeFilter.escapeHtmlEntities(text);
            }
            return new RenderedOutputNode(text);
        }
    }
}
