package org.attentionsearch.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.MathView;
import org.attentionsearch.search.Neighbour;
import org.attentionsearch.search.Result;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.SearchJson;
import org.attentionsearch.search.Streaming;
import org.attentionsearch.search.TokenLookup;
import org.attentionsearch.search.TokenRef;
import org.attentionsearch.search.View;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "explain", mixinStandardHelpOptions = true, description = {
        "Every token's results page: the keys its query finds, ranked by attention weight, with the raw score "
                + "q·k/√d and what each key's value adds.",
        "Without options: an overview of every token's top results under a default view."})
final class ExplainCommand implements Callable<Integer> {

    @Mixin ModelOptions options;
    @Mixin TextInput input;

    @Option(names = "--token", paramLabel = "WORD|INDEX", description = "Show that token's full results page.")
    String token;

    @Option(names = "--layer", paramLabel = "L", description = "The layer to look at (0-based).")
    Integer layer;

    @Option(names = "--head", paramLabel = "H", description = "The head to look at (0-based); needs or defaults --layer.")
    Integer head;

    @Option(names = "--blend", paramLabel = "mean|value",
            description = "Blend the layer's heads: mean of the weights, or value-weighted (what each key's value adds).")
    String blend;

    @Option(names = "--rollout", description = "Attention rollout through every layer (Abnar & Zuidema 2020).")
    boolean rollout;

    @Option(names = "--top", paramLabel = "K|all", description = "Results per page (default: 10 on a page, 3 in the overview).")
    String top;

    @Option(names = "--math", description = "Show the vectors and the arithmetic behind the top result (or --key).")
    boolean math;

    @Option(names = "--key", paramLabel = "WORD|INDEX", description = "With --math: the key to take apart (default: the page's "
            + "top result). With --heads: the token Y the query finds. A word, a position in the text (the #N after a result, "
            + "not its rank), or WORD#N (the word at position N).")
    String key;

    @Option(names = "--heads", description = "Which heads make --token find --key? Every layer and head, ranked by the weight "
            + "from the one to the other, with what the key's value adds.")
    boolean heads;

    @Option(names = "--compare", arity = "2", paramLabel = "TOKEN", description = "Compare two tokens' meanings: the cosine "
            + "of their residual streams at every layer (e.g. --compare bank#5 bank#15; WORD#N is the token at position N, "
            + "as --token INDEX counts).")
    List<String> compare;

    @Option(names = "--against", paramLabel = "TEXT", description = "With --compare: look the second token up in this text "
            + "instead (the same word in two texts).")
    String against;

    @Option(names = "--without-sinks", description = "Leave out the attention sinks (keys that take a large weight but whose "
            + "value adds little; the rule: docs/json.md) and renormalise the other weights.")
    boolean withoutSinks;

    @Option(names = "--json", description = "One JSON object per text (schema: docs/json.md).")
    boolean json;

    @Option(names = "--no-truncate", description = "Refuse texts longer than the model's positions instead of cutting them.")
    boolean noTruncate;

    @Option(names = "--stream-pages", description = {
            "Keep no n×n attention matrices: each page comes from its query's scores, recomputed from the trace "
                    + "(exact; memory grows with the length, not its square). Automatic for a text whose matrices "
                    + "would take more than half the heap. Rollout and --top all need the matrices and are refused."})
    boolean streamPages;

    @Override
    public Integer call() {
        validateOptions();
        int topForPage = topK(10), topForOverview = topK(3);
        input.checkSource();
        if (token != null && !input.fromFile() && !isIndex(token)) checkWordBeforeLoading();
        Model model = options.load();
        checkRanges(model);
        Style style = Style.detect();
        PrintStream out = System.out;
        String modelName = options.modelName();
        // Texts whose matrices would not fit in half the heap stream their pages instead.
        Streaming streaming = new Streaming(streamPages, Runtime.getRuntime().maxMemory() / 2);
        // Files go through in batches: one traced forward pass for several texts.
        int batchSize = input.fromFile() ? 8 : 1;
        try (JsonLines lines = new JsonLines(out); Progress progress = Progress.forInput(input.input, System.err)) {
            input.forEachBatch(batchSize, batch -> {
                long t0 = System.nanoTime();
                List<Query> queries = batch.each(text -> {
                    Model.Tokenized t = Truncation.check(model, text.value(), text.number() - 1, noTruncate, System.err);
                    try { // refused before the pass, rather than out of memory in the middle of it
                        streaming.requireFits(model.config(), t.encoding().length());
                    } catch (IllegalArgumentException e) {
                        throw new UsageException("text " + text.number() + ": " + e.getMessage());
                    }
                    int n = t.encoding().length();
                    if ((rollout || topForPage == 0) && streaming.streams(model.config(), n)) { // refused before the pass
                        throw new UsageException("text " + text.number() + ": " + (rollout ? "--rollout" : "--top all")
                                + " needs the whole attention matrix, which is not kept for it: " + streaming.reason(model.config(), n) + ".");
                    }
                    // The word is found among the tokens before the pass: a missing or ambiguous one costs no forward pass.
                    return new Query(t, token == null ? null : resolveToken(model, t));
                });
                List<Analysed> analysed = batch.together(queries, live -> {
                    List<Analysis> analyses = Analysis.of(model, live.stream().map(Query::text).toList(), streaming);
                    List<Analysed> ready = new ArrayList<>(analyses.size());
                    for (int i = 0; i < analyses.size(); i++) ready.add(new Analysed(analyses.get(i), live.get(i).position()));
                    return ready;
                });
                batch.answer(analysed, lines, (text, done) -> {
                    Analysis a = done.analysis();
                    if (heads) {
                        var page = ModelSearches.heads(a, ModelSearches.resolve(a, token, "--token"), ModelSearches.resolve(a, key, "--key"));
                        if (json || input.fromFile()) ModelSearches.writeHeads(lines, a, modelName, page);
                        else ModelSearches.printHeads(out, style, a, modelName, page, topForPage);
                        return;
                    }
                    if (compare != null) {
                        Analysis b = against == null ? a : Analysis.of(model, against);
                        var c = ModelSearches.compare(a, ModelSearches.resolve(a, compare.get(0), "--compare"), b,
                                ModelSearches.resolve(b, compare.get(1), "--compare"));
                        if (json || input.fromFile()) ModelSearches.writeComparison(lines, a, b, modelName, c);
                        else ModelSearches.printComparison(out, style, a, b, modelName, c);
                        return;
                    }
                    View view = view(a);
                    Integer query = done.position();
                    int k = query == null && !json && !input.fromFile() ? topForOverview : topForPage;
                    List<ResultsPage> pages = new ArrayList<>();
                    try {
                        if (query != null) pages.add(page(a, view, query, k));
                        else for (int i = 0; i < a.length(); i++) pages.add(page(a, view, i, k));
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                    MathChoice mv = math ? math(a, view, query == null ? 0 : query, query == null) : null;
                    double millis = (System.nanoTime() - t0) / 1e6;
                    if (json || input.fromFile()) {
                        lines.object(g -> SearchJson.write(g, a, modelName, pages, mv == null ? null : mv.math()));
                    } else {
                        Render r = new Render(out, style, a);
                        if (query != null) r.page(pages.getFirst(), millis);
                        else r.overview(view, pages, modelName);
                        if (mv != null) r.math(mv);
                    }
                });
                lines.flush();
                if (progress != null) progress.advance(batch.size());
            });
        }
        return 0;
    }

    /** A text tokenized, with the position of its --token (null without one). */
    private record Query(Model.Tokenized text, Integer position) {
    }

    /** A text's analysis, with the position of its --token (null without one). */
    private record Analysed(Analysis analysis, Integer position) {
    }

    private void validateOptions() {
        if (rollout && (layer != null || head != null || blend != null)) {
            throw new UsageException("--rollout spans every layer; drop --layer, --head and --blend");
        }
        if (blend != null && head != null) throw new UsageException("choose either --head or --blend, not both");
        if (blend != null && !blend.equals("mean") && !blend.equals("value")) {
            throw new UsageException("--blend takes mean or value, not '" + blend + "'");
        }
        if (key != null && !math && !heads) throw new UsageException("--key goes with --math or --heads");
        if (heads && (token == null || key == null)) {
            throw new UsageException("--heads needs --token (the query X) and --key (the key Y): which heads make X find Y?");
        }
        if (heads && math) throw new UsageException("choose either --heads or --math");
        if (against != null && compare == null) throw new UsageException("--against goes with --compare");
        if (compare != null && (heads || math || token != null)) {
            throw new UsageException("--compare names its own two tokens; drop --token, --heads and --math");
        }
        if (streamPages && rollout) {
            throw new UsageException("--rollout multiplies every layer's whole attention matrix, which --stream-pages does not keep");
        }
        if (streamPages && "all".equalsIgnoreCase(top)) {
            throw new UsageException("--top all needs every key's weight of every page, which --stream-pages does not keep; give a number");
        }
        if (streamPages && withoutSinks) {
            throw new UsageException("--without-sinks renormalises every key's weight of a page, which --stream-pages does not keep");
        }
        if (withoutSinks && rollout) throw new UsageException("rollout marks no sinks (no value enters it); drop --without-sinks");
    }

    /** One query's page: as the model computed it, or with its sinks left out and the rest renormalised. */
    private ResultsPage page(Analysis a, View view, int query, int k) {
        return withoutSinks ? a.page(view, query, 0).withoutSinks().top(k) : a.page(view, query, k);
    }

    /** The view the options ask for; by default the value-weighted blend of the middle layer. */
    private View view(Analysis a) {
        int layers = a.config().layers();
        View v;
        if (rollout) v = new View.Rollout();
        else {
            int l = layer != null ? layer : (layers - 1) / 2;
            if (head != null) v = new View.Head(l, head);
            else if ("mean".equals(blend)) v = new View.MeanBlend(l);
            else v = new View.ValueBlend(l);
        }
        try {
            a.check(v);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        return v;
    }

    /** Layer and head against the model, before any text is run. */
    private void checkRanges(Model model) {
        int layers = model.config().layers(), heads = model.config().heads();
        if (layer != null && (layer < 0 || layer >= layers)) {
            throw new UsageException("layer " + layer + " is out of range 0.." + (layers - 1));
        }
        if (head != null && (head < 0 || head >= heads)) {
            throw new UsageException("head " + head + " is out of range 0.." + (heads - 1));
        }
    }

    private int topK(int fallback) {
        if (top == null) return fallback;
        if (top.equalsIgnoreCase("all")) return 0;
        try {
            int k = Integer.parseInt(top);
            if (k < 1) throw new NumberFormatException();
            return k;
        } catch (NumberFormatException e) {
            throw new UsageException("--top takes a positive number or 'all', not '" + top + "'");
        }
    }

    private static boolean isIndex(String word) {
        return word.strip().matches("-?\\d+");
    }

    /**
     * A word that is in none of the texts fails before the model is even loaded, on the tokenizer
     * alone (cutting a text to the model's positions cannot make a missing word appear).
     */
    private void checkWordBeforeLoading() {
        var tokenizer = options.tokenizer();
        for (String text : input.texts) {
            var e = tokenizer.encode(text);
            if (TokenLookup.positions(tokenizer, text, e, token).isEmpty()) throw notAToken(e.tokens());
        }
    }

    private UsageException notAToken(String[] tokens) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < tokens.length; i++) s.append(s.isEmpty() ? "" : " ").append(i).append(':').append(tokens[i]);
        return new UsageException("'" + token + "' is not a token of the text; its tokens are " + s);
    }

    private int resolveToken(Model model, Model.Tokenized text) {
        var e = text.encoding();
        int n = e.length();
        if (isIndex(token)) {
            int i;
            try {
                i = Integer.parseInt(token.strip());
            } catch (NumberFormatException tooLarge) {
                i = -1;
            }
            if (i < 0 || i >= n) throw new UsageException("token index " + token.strip() + " is out of range 0.." + (n - 1));
            return i;
        }
        List<Integer> found = TokenLookup.positions(model.tokenizer(), text.text(), e, token);
        if (found.isEmpty()) throw notAToken(e.tokens());
        if (found.size() > 1) {
            StringBuilder s = new StringBuilder();
            for (int i : found) {
                s.append(s.isEmpty() ? "" : ", ").append(i);
                if (e.hasOffsets(i)) s.append(" (at character ").append(e.starts()[i]).append(')');
            }
            throw new UsageException("'" + token + "' occurs " + found.size() + " times, as tokens " + s
                    + "; choose one with --token INDEX");
        }
        return found.getFirst();
    }

    /** One result taken apart, and in words which one and why, when it is not simply the page's own head. */
    record MathChoice(MathView math, List<String> why) {
    }

    /**
     * The math of the result the page shows: the key is --key, or the page's top result; the head
     * is the page's own, or for a blend (rollout: of the last layer), which has no single q·k, the
     * head of that layer that gives this key the largest weight from the query.
     */
    private MathChoice math(Analysis a, View view, int query, boolean defaultQuery) {
        List<String> why = new ArrayList<>();
        if (defaultQuery) why.add("query: token 0, the first token (no --token given)");
        try {
            int k = key != null ? ModelSearches.resolve(a, key, "--key") : page(a, view, query, 1).results().getFirst().key().position();
            int l = view instanceof View.Rollout ? a.config().layers() - 1 : view.layer();
            int h;
            if (view instanceof View.Head hd) h = hd.head();
            else {
                h = MathView.heaviestHead(a, l, query, k);
                why.add("head " + h + ": " + (view instanceof View.Rollout ? "rollout" : "a blend of heads")
                        + " has no single q·k; of layer " + l + "'s heads, head " + h + " gives this key the most weight "
                        + "(--layer L --head H for another)");
            }
            return new MathChoice(MathView.of(a, l, h, query, k, 8), why);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    /** Terminal and plain-text layout of pages, the overview and the math. */
    private record Render(PrintStream out, Style style, Analysis a) {

        void overview(View view, List<ResultsPage> pages, String modelName) {
            out.println(style.bold("Attention Search") + " · " + modelName + " · " + a.length() + " tokens · "
                    + view.label());
            out.println(style.dim("Each token's query and the keys it finds first, with their " + view.measure()
                    + measureNote(view) + ". --token WORD for a full results page, --layer L --head H for one head, "
                    + "--rollout for all layers."));
            if (!pages.isEmpty() && pages.getFirst().renormalised()) {
                out.println(style.dim("Sinks left out, the other weights renormalised to sum to 1."));
            } else if (pages.stream().anyMatch(p -> p.results().stream().anyMatch(Result::sink))) {
                out.println(style.dim(style.sink("sink") + ": takes weight, adds little (its value is weak); "
                        + "--without-sinks leaves sinks out."));
            }
            out.println();
            int width = 0;
            for (TokenRef t : a.tokens()) width = Math.max(width, DisplayWidth.of(label(t)));
            width = Math.min(width, 16);
            for (ResultsPage p : pages) {
                StringBuilder line = new StringBuilder();
                line.append(String.format("%3d ", p.query().position()));
                line.append(style.bold(DisplayWidth.pad(label(p.query()), width))).append("  →  ");
                boolean first = true;
                for (var r : p.results()) {
                    if (!first) line.append(style.dim(" · "));
                    first = false;
                    line.append(style.link(label(r.key()))).append(style.dim("#" + r.key().position())).append(' ');
                    line.append(style.bar(r.weight(), 6)).append(String.format(Locale.ROOT, "%.2f", r.weight()));
                    if (r.sink()) line.append(' ').append(style.sink("sink"));
                }
                out.println(line);
            }
        }

        void page(ResultsPage p, double millis) {
            TokenRef q = p.query();
            out.println(style.bold(label(q)) + style.dim("  token " + q.position()
                    + (q.hasSpan() ? ", characters " + q.start() + ".." + q.end() : ", special token"))
                    + "  ·  " + p.view().label());
            out.println(style.dim(String.format(Locale.ROOT,
                    "About %d results (%.0f ms) · effective results %.1f · these %d hold %.0f%% of the %s",
                    p.keys(), millis, p.effectiveResults(), p.results().size(), 100 * p.coveredWeight(), p.view().measure())));
            out.println(style.dim("Numbers: " + p.view().measure() + measureNote(p.view())
                    + "; effective results = exp(entropy) of the row, how many keys it really reads."));
            if (p.renormalised()) out.println(style.dim(sinksLeftOut(p.sinksLeftOut())));
            out.println();
            for (var r : p.results()) {
                out.printf(Locale.ROOT, "%3d. %s%s%s%n", r.rank(), style.link(label(r.key())),
                        style.dim("  token " + r.key().position()), r.sink() ? "  " + sinkNote(p, r) : "");
                var s = r.snippet();
                out.println("     " + s.before() + style.mark(s.match()) + s.after());
                StringBuilder nums = new StringBuilder("     ");
                nums.append(style.bar(r.weight(), 20)); // on the scale 0 … 1, so a weak top looks weak
                nums.append(String.format(Locale.ROOT, "%s %.3f", p.view().measure(), r.weight()));
                if (!Double.isNaN(r.score())) nums.append(String.format(Locale.ROOT, " · score %.2f", r.score()));
                if (!Double.isNaN(r.valueNorm())) {
                    nums.append(String.format(Locale.ROOT, " · value adds %.3f", r.valueNorm()));
                    // On the value-weighted blend the share is the page's own number already.
                    if (!(p.view() instanceof View.ValueBlend)) nums.append(String.format(Locale.ROOT, " (%.0f%%)", 100 * r.valueShare()));
                }
                out.println(style.dim(nums.toString()));
            }
        }

        /** What the view's number means, said once: a blend is named a blend. */
        private static String measureNote(View view) {
            return switch (view) {
                case View.Head h -> " α = softmax(q·k/√d)";
                case View.MeanBlend m -> " (the mean of the layer's heads' α)";
                case View.ValueBlend v -> " (a blend of the layer's heads, not an attention weight: each key's share of "
                        + "what the values add, ‖Σ_h α·f(x)‖ over the row's sum)";
                case View.Rollout r -> " (the layers' mean α and the residual path multiplied through the model)";
            };
        }

        /** Why a result is marked: the weight it takes (the heads' mean, for a blend) and that its value adds little. */
        private String sinkNote(ResultsPage p, Result r) {
            String takes = p.view() instanceof View.Head || p.view() instanceof View.MeanBlend ? "takes weight"
                    : String.format(Locale.ROOT, "the heads give it %.0f%% of their weight",
                    100 * a.weights(new View.MeanBlend(p.view().layer()))[p.query().position() * a.length() + r.key().position()]);
            return style.sink("sink") + style.dim(": " + takes + ", its value adds little");
        }

        private String sinksLeftOut(ResultsPage.SinksLeftOut s) {
            if (s.keys().isEmpty()) return "No sinks on this page: nothing left out.";
            StringBuilder keys = new StringBuilder();
            for (TokenRef t : s.keys()) keys.append(keys.isEmpty() ? "" : ", ").append(label(t)).append('#').append(t.position());
            return String.format(Locale.ROOT, "Sinks left out: %s, with %.0f%% of the weight; the other weights are "
                    + "renormalised (divided by %.3f)", keys, 100 * s.weight(), 1 - s.weight());
        }

        void math(MathChoice choice) {
            MathView m = choice.math();
            out.println();
            out.println(style.bold("The math") + style.dim(String.format(" · layer %d, head %d · query %s#%d → key %s#%d",
                    m.layer(), m.head(), label(m.query()), m.query().position(), label(m.key()), m.key().position())));
            for (String why : choice.why()) out.println(style.dim("  " + why));
            if (a.config().kvHeads() != a.config().heads()) {
                out.println(style.dim("  head " + m.head() + " reads key/value head " + m.kvHead() + ", which "
                        + a.config().groupSize() + " query heads share (grouped-query attention)"));
            }
            if (a.config().rope() != null) {
                out.println(style.dim("  q and k after rotary positions: dimension c turns with c + " + a.config().rope().dimensions() / 2));
            }
            out.println("  q = " + vec(m.q()));
            out.println("  k = " + vec(m.k()));
            out.println("  v = " + vec(m.v()));
            out.printf(Locale.ROOT, "  q·k = %.4f; the largest terms q_c·k_c:%n", m.dot());
            for (var t : m.terms()) {
                out.printf(Locale.ROOT, "      c=%2d  %+.3f × %+.3f = %+.4f%n", t.dimension(), t.query(), t.key(), t.product());
            }
            out.printf(Locale.ROOT, "  score s = q·k/√%d = %.4f × %.4f = %.4f%n",
                    m.q().length, m.dot(), m.scale(), m.score());
            out.printf(Locale.ROOT, "  softmax: exp(s − max s) / Σ exp = exp(%.4f − %.4f) / %.4f = %.4f / %.4f = %.4f%n",
                    m.score(), m.rowMax(), m.rowSum(), m.shiftedExp(), m.rowSum(), m.weight());
            out.println("  what this result adds, α·v·W_O (nearest vocabulary embeddings, not a prediction): "
                    + neighbours(m.nearestToContribution()));
            out.println("  head output z = Σ α v = " + vec(m.headOutput()));
            out.println("  layer " + m.layer() + " output at " + label(m.query()) + " = " + vec(m.layerOutput()));
            out.println();
            out.println(style.bold("What each layer sees") + style.dim(" at " + label(m.query()) + "#" + m.query().position()
                    + ": cosine to its own input embedding, and the input tokens it resembles most"));
            for (var s : m.sight()) {
                String name = s.layer() < a.config().layers() ? "enters layer " + s.layer() : "leaves the model ";
                out.printf(Locale.ROOT, "  %-16s %s%.2f   %s%n", name, style.bar(Math.max(0, s.selfSimilarity()), 10),
                        s.selfSimilarity(), neighbours(s.resembles()));
            }
        }

        private String neighbours(List<Neighbour> list) {
            StringBuilder s = new StringBuilder();
            for (var n : list) {
                if (!s.isEmpty()) s.append(", ");
                s.append(n.token());
                if (n.position() >= 0) s.append('#').append(n.position());
                s.append(String.format(Locale.ROOT, " %.2f", n.cosine()));
            }
            return s.toString();
        }

        /** How a token is shown (see {@link Analysis#display}), line breaks made visible. */
        String label(TokenRef t) {
            return a.display(t).replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
        }

        private static String vec(float[] v) {
            StringBuilder s = new StringBuilder("[");
            for (int i = 0; i < Math.min(8, v.length); i++) s.append(String.format(Locale.ROOT, "%+.3f ", v[i]));
            return s.append("… ").append(v.length).append(" dims]").toString();
        }

    }
}
