package org.attentionsearch.text;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import java.util.EnumSet;
import java.util.Properties;
import java.util.Set;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.el.ext.AbsOperator;
import com.hubspot.jinjava.el.ext.AdditionOperator;
import com.hubspot.jinjava.el.ext.AstRangeBracket;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.el.ext.ExtendedScanner;
import com.hubspot.jinjava.el.ext.NamedParameterOperator;
import com.hubspot.jinjava.el.ext.StringConcatOperator;
import com.hubspot.jinjava.objects.SafeString;

import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstIdentifier;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

/**
 * What Jinja2's expression grammar has and Jinjava's parser lacks, added where its parser is
 * meant to be extended (its scanner, extension tokens and node factories):
 * <ul>
 * <li>slices with a step, {@code x[start:stop:step]} and {@code x[::-1]}, with Python's meaning
 *     (Qwen3's template walks its messages backwards with {@code messages[::-1]});</li>
 * <li>keyword arguments whose value is a whole expression ({@code namespace(last=messages|length - 1)});</li>
 * <li>string literals with Python's escapes ({@code '\\u2019'}, {@code '\\x41'}), which Jinjava's scanner refuses;</li>
 * <li>a test after filters ({@code messages|length is even});</li>
 * <li>{@code not} over a whole comparison ({@code not x == -1}), and {@code a+1} an addition (Jinjava
 *     reads {@code +1} as a unary plus wherever it stands);</li>
 * <li>an unknown filter or test is an error, as in Jinja2 (Jinjava gives nothing and says nothing);</li>
 * <li>{@code ~} writing values as Python's str() does, and {@code +} escaping a string added to a
 *     {@code |safe} one as Jinja2's Markup does;</li>
 * <li>{@code +} that refuses a result longer than the list limit: Jinjava's own builds any size,
 *     so {@code a + a + a …} could otherwise fill the memory within one expression.</li>
 * </ul>
 */
final class JinjaSyntax {

    private JinjaSyntax() {
    }

    /** An expression factory whose parser knows the additions; Jinjava's features and type conversion unchanged. */
    static ExpressionFactoryImpl expressionFactory(int maxListSize) {
        return new ExpressionFactoryImpl(new Properties(), new TruthyTypeConverter()) {
            @Override
            protected TreeBuilder createTreeBuilder(Properties properties, Builder.Feature... features) {
                return new SyntaxBuilder(maxListSize, features);
            }
        };
    }

    private static final class SyntaxBuilder extends ExtendedSyntaxBuilder {
        private static final long serialVersionUID = 1L;
        private final int maxListSize;

        SyntaxBuilder(int maxListSize, Builder.Feature... features) {
            super(features);
            this.maxListSize = maxListSize;
        }

        @Override
        protected Parser createParser(String expression) {
            return new Jinja2Parser(this, expression, maxListSize);
        }
    }

    /** The tokens an operand can end with: a {@code +} after them adds. */
    private static final Set<Scanner.Symbol> VALUE_ENDS = EnumSet.of(Scanner.Symbol.IDENTIFIER, Scanner.Symbol.INTEGER,
            Scanner.Symbol.FLOAT, Scanner.Symbol.STRING, Scanner.Symbol.TRUE, Scanner.Symbol.FALSE, Scanner.Symbol.NULL,
            Scanner.Symbol.RPAREN, Scanner.Symbol.RBRACK);

    /** The second colon of a subscript: it separates the stop from the step. */
    private static final Scanner.ExtensionToken STEP = new Scanner.ExtensionToken(":");

    /** A stop and a step while they are parsed; a slice node takes them apart again. */
    private static final class StopAndStep extends AstBinary {
        StopAndStep(AstNode stop, AstNode step) {
            super(stop, step, new AstBinary.SimpleOperator() {
                @Override
                protected Object apply(TypeConverter converter, Object a, Object b) {
                    throw new ELException("A slice step ':' stands outside a subscript.");
                }
            });
        }
    }

    private static final class Jinja2Parser extends ExtendedParser {
        private final int maxListSize;

        Jinja2Parser(Builder builder, String expression, int maxListSize) {
            super(builder, expression);
            this.maxListSize = maxListSize;
            // Parsed at the lowest binary level, so the stop before it is a whole expression.
            putExtensionHandler(STEP, new ExtensionHandler(ExtensionPoint.OR) {
                @Override
                public AstNode createAstNode(AstNode... children) {
                    return new StopAndStep(children[0], children[1]);
                }
            });
            // A keyword argument's value is a whole expression, as in Python (Jinjava's takes one
            // term: namespace(last=messages|length - 1) would subtract 1 from the argument).
            putExtensionHandler(StringConcatOperator.TOKEN, new ExtensionHandler(ExtensionPoint.ADD) {
                @Override
                public AstNode createAstNode(AstNode... children) {
                    return createAstBinary(children[0], children[1], PythonConcatenation.OP);
                }
            });
            putExtensionHandler(NamedParameterOperator.TOKEN, new ExtensionHandler(ExtensionPoint.OR) {
                @Override
                public AstNode createAstNode(AstNode... children) {
                    return NamedParameterOperator.HANDLER.createAstNode(children);
                }
            });
        }

        @Override
        protected Scanner createScanner(String expression) {
            return new Jinja2Scanner(expression);
        }

        @Override
        protected AstRangeBracket createAstRangeBracket(AstNode base, AstNode start, AstNode stop, boolean lvalue, boolean strict) {
            if (stop instanceof StopAndStep s) {
                return new SteppedSlice(base, start, s.getChild(0), s.getChild(1), lvalue, strict,
                        context.isEnabled(Builder.Feature.IGNORE_RETURN_TYPE));
            }
            return super.createAstRangeBracket(base, start, stop, lvalue, strict);
        }

        /** {@code not} takes a whole comparison, as in Jinja2: {@code not x == -1} is {@code not (x == -1)}. */
        @Override
        protected AstNode unary(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.NOT) {
                consumeToken();
                return createAstUnary(eq(true), AstUnary.NOT);
            }
            return super.unary(required);
        }

        /** Filters may be followed by a test, as in Jinja2 ({@code messages|length is even}). */
        @Override
        protected AstNode parseFiltersAsNestedMethods(AstNode left) throws Scanner.ScanException, ParseException {
            AstNode v = super.parseFiltersAsNestedMethods(left);
            if (!"is".equals(getToken().getImage())) {
                return v;
            }
            consumeToken();
            String method = "evaluate";
            if ("not".equals(getToken().getImage())) {
                consumeToken();
                method = "evaluateNegated";
            }
            String test = consumeToken().getImage();
            List<AstNode> params = new ArrayList<>(List.of(v, interpreter()));
            AstNode argument = value();
            if (argument != null) {
                params.add(argument);
            }
            return createAstMethod(createAstDot(identifier(ExtendedParser.EXPTEST_PREFIX + test), method, true), createAstParameters(params));
        }

        @Override
        protected AstIdentifier createAstIdentifier(String name, int index) {
            boolean ignoreReturnType = context.isEnabled(Builder.Feature.IGNORE_RETURN_TYPE);
            if (name.startsWith(ExtendedParser.FILTER_PREFIX)) {
                return new KnownName(name, index, ignoreReturnType, "filter", name.substring(ExtendedParser.FILTER_PREFIX.length()));
            }
            if (name.startsWith(ExtendedParser.EXPTEST_PREFIX)) {
                return new KnownName(name, index, ignoreReturnType, "test", name.substring(ExtendedParser.EXPTEST_PREFIX.length()));
            }
            return super.createAstIdentifier(name, index);
        }

        @Override
        protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator operator) {
            return super.createAstBinary(left, right, operator == AdditionOperator.OP ? new BoundedAddition(maxListSize) : operator);
        }
    }

    /**
     * Jinjava's scanner, reading string literals as Python does, a {@code +} after an operand as an
     * addition, and the second colon inside a subscript as {@link #STEP}. When that colon follows the
     * first directly ({@code [::-1]}, {@code [a::2]}) a zero-width {@code null} is put between them,
     * so the parser always meets {@code start : stop STEP step}.
     */
    private static final class Jinja2Scanner extends ExtendedScanner {
        /** Per open bracket: its opening character and, for '[', the colons met at its level. */
        private final Deque<int[]> open = new ArrayDeque<>();
        private boolean previousWasColon;
        private boolean stepNext;
        private boolean previousEndsValue;

        Jinja2Scanner(String input) {
            super(input);
        }

        @Override
        protected Token nextString() throws ScanException {
            return pythonString(getInput(), getPosition(), builder);
        }

        @Override
        public Token next() throws ScanException {
            Token t = next(previousEndsValue);
            Scanner.Symbol s = t.getSymbol();
            previousEndsValue = VALUE_ENDS.contains(s) || "}".equals(t.getImage()) && s == Scanner.Symbol.EXTENSION;
            return t;
        }

        private Token next(boolean afterValue) throws ScanException {
            Token t = super.next();
            if (t == AbsOperator.TOKEN && afterValue) {
                // Jinjava reads "+1" as a unary plus even after a value: a+1 is an addition.
                t = fixed(Scanner.Symbol.PLUS);
                setToken(t);
            }
            if (stepNext) {
                stepNext = false;
                setToken(STEP);
                previousWasColon = false;
                return STEP;
            }
            Scanner.Symbol symbol = t.getSymbol();
            boolean colon = symbol == Scanner.Symbol.COLON;
            if (symbol == Scanner.Symbol.LBRACK || symbol == Scanner.Symbol.LPAREN || "{".equals(t.getImage())) {
                open.push(new int[] {t.getImage().charAt(0), 0});
            } else if (symbol == Scanner.Symbol.RBRACK || symbol == Scanner.Symbol.RPAREN || "}".equals(t.getImage())) {
                open.poll();
            } else if (colon && !open.isEmpty() && open.peek()[0] == '[' && ++open.peek()[1] == 2) {
                if (previousWasColon) {
                    Token none = token(Scanner.Symbol.NULL, "null", 0);
                    setToken(none);
                    stepNext = true;
                    previousWasColon = false;
                    return none;
                }
                setToken(STEP);
                previousWasColon = false;
                return STEP;
            }
            previousWasColon = colon;
            return t;
        }
    }

    /**
     * A string literal read as Jinja2 reads one (Python's unicode-escape): {@code \\n}, {@code \\t},
     * {@code \\xhh}, {@code \\uXXXX}, {@code \\UXXXXXXXX}, octal and the rest; an unknown escape is
     * kept as written, backslash and all.
     */
    private static Scanner.Token pythonString(String input, int position, StringBuilder out) throws Scanner.ScanException {
        out.setLength(0);
        char quote = input.charAt(position);
        int i = position + 1;
        while (i < input.length()) {
            char c = input.charAt(i++);
            if (c == quote) {
                return new Scanner.Token(Scanner.Symbol.STRING, out.toString(), i - position);
            }
            if (c != '\\' || i == input.length()) {
                out.append(c);
                continue;
            }
            char e = input.charAt(i++);
            switch (e) {
                case '\n' -> { } // a backslash at the end of a line joins the lines
                case '\\', '\'', '"' -> out.append(e);
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x', 'u', 'U' -> {
                    int digits = e == 'x' ? 2 : e == 'u' ? 4 : 8;
                    if (i + digits > input.length() || !input.substring(i, i + digits).matches("[0-9a-fA-F]+")) {
                        throw new Scanner.ScanException(position, "truncated \\" + e + " escape", digits + " hex digits");
                    }
                    int cp = Integer.parseInt(input.substring(i, i + digits), 16);
                    if (!Character.isValidCodePoint(cp)) {
                        throw new Scanner.ScanException(position, "illegal Unicode character", "a code point");
                    }
                    out.appendCodePoint(cp);
                    i += digits;
                }
                default -> {
                    if (e >= '0' && e <= '7') {
                        int end = i;
                        while (end < input.length() && end < i + 2 && input.charAt(end) >= '0' && input.charAt(end) <= '7') end++;
                        out.append((char) Integer.parseInt(input.substring(i - 1, end), 8));
                        i = end;
                    } else {
                        out.append('\\').append(e);
                    }
                }
            }
        }
        throw new Scanner.ScanException(position, "unterminated string", String.valueOf(quote));
    }

    /** {@code base[start:stop:step]} as Python slices a list or a string (by code points). */
    private static final class SteppedSlice extends AstRangeBracket {
        private final AstNode step;

        SteppedSlice(AstNode base, AstNode start, AstNode stop, AstNode step, boolean lvalue, boolean strict, boolean ignoreReturnType) {
            super(base, start, stop, lvalue, strict, ignoreReturnType);
            this.step = step;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object base = prefix.eval(bindings, context);
            Integer start = index(property, bindings, context, "start");
            Integer stop = index(rangeMax, bindings, context, "stop");
            Integer by = index(step, bindings, context, "step");
            int stepBy = by == null ? 1 : by;
            if (stepBy == 0) {
                throw new ELException("A slice step cannot be zero.");
            }
            if (base instanceof CharSequence || base instanceof SafeString) {
                int[] cps = base.toString().codePoints().toArray();
                StringBuilder out = new StringBuilder();
                for (int i : positions(cps.length, start, stop, stepBy)) out.appendCodePoint(cps[i]);
                return out.toString();
            }
            List<Object> items = items(base);
            List<Object> out = new ArrayList<>();
            for (int i : positions(items.size(), start, stop, stepBy)) out.add(items.get(i));
            return out;
        }

        private static Integer index(AstNode node, Bindings bindings, ELContext context, String what) {
            Object v = node == null ? null : node.eval(bindings, context);
            if (v == null) {
                return null;
            }
            if (!(v instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue())) {
                throw new ELException("A slice " + what + " must be an integer or none.");
            }
            return (int) Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, n.longValue()));
        }

        private static List<Object> items(Object base) {
            if (base instanceof Collection<?> c) {
                return new ArrayList<>(c);
            }
            if (base instanceof Object[] a) {
                return Arrays.asList(a);
            }
            throw new ELException("Only lists and strings can be sliced.");
        }

        /** The positions Python's slice(start, stop, step).indices(length) walks. */
        private static int[] positions(int length, Integer start, Integer stop, int step) {
            long lower = step > 0 ? 0 : -1, upper = step > 0 ? length : length - 1L;
            long from = start == null ? (step > 0 ? lower : upper) : clamp(start, length, lower, upper);
            long to = stop == null ? (step > 0 ? upper : lower) : clamp(stop, length, lower, upper);
            List<Integer> out = new ArrayList<>();
            for (long i = from; step > 0 ? i < to : i > to; i += step) out.add((int) i);
            return out.stream().mapToInt(Integer::intValue).toArray();
        }

        private static long clamp(long index, int length, long lower, long upper) {
            return index < 0 ? Math.max(index + length, lower) : Math.min(index, upper);
        }
    }

    /** markupsafe's escape: the five characters HTML gives a meaning. */
    private static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace("\"", "&#34;");
    }

    /** A filter's or a test's name, which must name one (Jinjava would give nothing for an unknown one, silently). */
    private static final class KnownName extends AstIdentifier {
        private final String kind;
        private final String shortName;

        KnownName(String name, int index, boolean ignoreReturnType, String kind, String shortName) {
            super(name, index, ignoreReturnType);
            this.kind = kind;
            this.shortName = shortName;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object found = super.eval(bindings, context);
            if (found == null) {
                throw new ELException("There is no " + kind + " named '" + shortName + "'.");
            }
            return found;
        }
    }

    /** {@code ~}: the two values as Python's str() writes them, joined (Jinjava writes a dict or a boolean as Java does). */
    private static final class PythonConcatenation extends StringConcatOperator {
        static final PythonConcatenation OP = new PythonConcatenation();

        @Override
        protected Object apply(TypeConverter converter, Object a, Object b) {
            return getStringBuilder().append(PythonText.str(a, "")).append(PythonText.str(b, "")).toString();
        }
    }

    /** Jinjava's {@code +}, refusing a list (or string) longer than the limit. */
    private static final class BoundedAddition extends AdditionOperator {
        private final int maxListSize;

        BoundedAddition(int maxListSize) {
            this.maxListSize = maxListSize;
        }

        @Override
        protected Object apply(TypeConverter converter, Object a, Object b) {
            // Markup (|safe) + str escapes the str, as markupsafe does in Jinja2.
            if (a instanceof SafeString && b instanceof String s) return new SafeString(a + escape(s));
            if (a instanceof String s && b instanceof SafeString) return new SafeString(escape(s) + b);
            if (a instanceof SafeString && b instanceof SafeString) return new SafeString(a.toString() + b);
            Object sum = super.apply(converter, a, b);
            if (sum instanceof Collection<?> c && c.size() > maxListSize) {
                throw new ELException("A list would grow past " + maxListSize + " items.");
            }
            return sum;
        }
    }
}
