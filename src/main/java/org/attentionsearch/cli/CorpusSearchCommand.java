package org.attentionsearch.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.attentionsearch.corpus.CorpusException;
import org.attentionsearch.corpus.CorpusIndex;
import org.attentionsearch.corpus.CorpusSearch;
import org.attentionsearch.corpus.HeadSummary;
import org.attentionsearch.corpus.Hit;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.corpus.SearchFilter;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Result;
import org.attentionsearch.search.SearchJson;
import org.attentionsearch.search.TokenLookup;
import org.attentionsearch.search.TokenRef;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "search", mixinStandardHelpOptions = true, description = {
        "The contexts in an indexed corpus where the model reads a token the same way: the token occurrences whose vector "
                + "at a layer is nearest (cosine) to the token's in your text.",
        "Layer L's vector is the residual stream leaving layer L, as explain numbers layers."})
final class CorpusSearchCommand implements Callable<Integer> {

    @Mixin ModelOptions options;

    @Parameters(paramLabel = "TEXT", arity = "1", description = "The text the token stands in.")
    String text;

    @Option(names = "--index", required = true, paramLabel = "DIR", description = "The index that index wrote.")
    Path index;

    @Option(names = "--token", required = true, paramLabel = "WORD|INDEX", description = "The token of the text to look for.")
    String token;

    @Option(names = "--layer", paramLabel = "L", description = "The layer to compare at (default: the last layer the index holds).")
    Integer layer;

    @Option(names = "--top", paramLabel = "K", description = "Hits to show, 1 to 1000 (default: 10).")
    int top = 10;

    @Option(names = "--same-token", description = "Only occurrences of the same token.")
    boolean sameToken;

    @Option(names = "--other-tokens", description = "Only occurrences of other tokens.")
    boolean otherTokens;

    @Option(names = "--head", paramLabel = "H", description = "With --offset or --sink: the head they are about (default: any head of the layer).")
    Integer head;

    @Option(names = "--offset", paramLabel = "K", description = "Only occurrences where the head's top key stands K tokens away (−1: the previous token).")
    Integer offset;

    @Option(names = "--sink", description = "Only occurrences where the head's top key is an attention sink.")
    boolean sink;

    @Option(names = "--json", description = "One JSON object: {\"query\":{…},\"hits\":[…]} (schema: docs/json.md).")
    boolean json;

    @Override
    public Integer call() {
        if (top < 1 || top > 1000) throw new UsageException("--top must be between 1 and 1000");
        if (sameToken && otherTokens) throw new UsageException("choose either --same-token or --other-tokens, not both");
        if (head != null && offset == null && !sink) throw new UsageException("--head goes with --offset or --sink");
        if (text.isBlank()) throw new UsageException("the text is empty");
        Model model = options.load();
        try (CorpusIndex corpus = CorpusIndex.open(index)) {
            corpus.requireModel(ModelFingerprint.of(model, options.modelName()));
            int l = layer != null ? layer : corpus.manifest().layers()[corpus.manifest().layers().length - 1];
            corpus.requireLayer(l);
            if (head != null && (head < 0 || head >= model.config().heads())) {
                throw new UsageException("head " + head + " is out of range 0.." + (model.config().heads() - 1));
            }
            Analysis a = Analysis.of(model, Truncation.check(model, text, 0, false, System.err));
            int position = resolveToken(a, token);
            SearchFilter filter = new SearchFilter(sameToken ? SearchFilter.Tokens.SAME : otherTokens ? SearchFilter.Tokens.OTHER
                    : SearchFilter.Tokens.ANY, head, offset, sink);
            long t0 = System.nanoTime();
            CorpusSearch.Query q = CorpusSearch.query(a, position, l);
            List<CorpusSearch.Found> found = CorpusSearch.search(corpus, model, q, top, filter, 5);
            double millis = (System.nanoTime() - t0) / 1e6;
            if (json) writeJson(q, found, corpus);
            else print(q, found, corpus, millis);
        } catch (CorpusException e) {
            throw new UsageException(e.getMessage());
        }
        return 0;
    }

    private void writeJson(CorpusSearch.Query q, List<CorpusSearch.Found> found, CorpusIndex corpus) {
        try (JsonLines lines = new JsonLines(System.out)) {
            lines.object(g -> {
                g.writeObjectFieldStart("query");
                g.writeStringField("text", q.analysis().text());
                g.writeNumberField("position", q.position());
                g.writeFieldName("token");
                SearchJson.writeToken(g, q.token());
                g.writeNumberField("layer", q.layer());
                g.writeStringField("model", corpus.manifest().model().name());
                g.writeStringField("index", corpus.dir().toString());
                g.writeEndObject();
                g.writeArrayFieldStart("hits");
                for (CorpusSearch.Found f : found) {
                    Hit h = f.hit();
                    g.writeStartObject();
                    g.writeNumberField("doc", h.doc());
                    g.writeNumberField("position", h.position());
                    g.writeStringField("token", h.token());
                    g.writeNumberField("id", h.id());
                    g.writeNumberField("similarity", h.similarity());
                    g.writeObjectFieldStart("snippet");
                    g.writeStringField("before", f.snippet().before());
                    g.writeStringField("match", f.snippet().match());
                    g.writeStringField("after", f.snippet().after());
                    g.writeEndObject();
                    g.writeArrayFieldStart("heads");
                    for (int x = 0; x < h.heads().length; x++) {
                        HeadSummary s = h.heads()[x];
                        g.writeStartObject();
                        g.writeNumberField("head", x);
                        g.writeNumberField("offset", s.offset());
                        g.writeNumberField("keyToken", s.keyToken());
                        g.writeNumberField("entropy", s.entropy());
                        g.writeBooleanField("sink", s.sink());
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    if (f.page() != null) {
                        g.writeFieldName("page");
                        SearchJson.writePage(g, f.page());
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
            });
            lines.flush();
        }
    }

    private void print(CorpusSearch.Query q, List<CorpusSearch.Found> found, CorpusIndex corpus, double millis) {
        PrintStream out = System.out;
        Style style = Style.detect();
        TokenRef t = q.token();
        out.println(style.bold(t.text()) + style.dim("  token " + t.position() + " of your text") + "  ·  layer " + q.layer()
                + "  ·  " + corpus.manifest().texts() + " documents, " + corpus.manifest().tokens() + " tokens");
        out.println(style.dim(String.format(Locale.ROOT, "%d nearest contexts (%.0f ms), by the cosine of the residual stream leaving layer %d",
                found.size(), millis, q.layer())));
        out.println();
        int rank = 1;
        for (CorpusSearch.Found f : found) {
            Hit h = f.hit();
            out.printf(Locale.ROOT, "%2d. %.4f  %s%s%s%n", rank++, h.similarity(), f.snippet().before(),
                    style.link(f.snippet().match()), f.snippet().after());
            StringBuilder line = new StringBuilder("          " + style.dim("doc " + h.doc() + ", token " + h.position()));
            if (f.page() != null) {
                line.append(style.dim("  reads: "));
                boolean first = true;
                for (Result r : f.page().results()) {
                    if (!first) line.append(style.dim(" · "));
                    first = false;
                    line.append(r.snippet().match().isBlank() ? r.key().text() : r.snippet().match())
                            .append(style.dim(String.format(Locale.ROOT, " %.2f", r.weight())));
                    if (r.sink()) line.append(' ').append(style.sink("sink"));
                }
            }
            out.println(line);
        }
        if (found.isEmpty()) out.println("No occurrence passes the filters.");
    }

    /** A token of the text by index, or by the word it reads as (which must then be unique). */
    static int resolveToken(Analysis a, String token) {
        int n = a.length();
        String s = token.strip();
        if (s.matches("-?\\d+")) {
            int i;
            try {
                i = Integer.parseInt(s);
            } catch (NumberFormatException e) {
                i = -1;
            }
            if (i < 0 || i >= n) throw new UsageException("token index " + s + " is out of range 0.." + (n - 1));
            return i;
        }
        List<Integer> found = TokenLookup.positions(a, token);
        if (found.isEmpty()) {
            StringBuilder list = new StringBuilder();
            for (TokenRef t : a.tokens()) list.append(list.isEmpty() ? "" : " ").append(t.position()).append(':').append(t.text());
            throw new UsageException("'" + token + "' is not a token of the text; its tokens are " + list);
        }
        if (found.size() > 1) {
            throw new UsageException("'" + token + "' occurs " + found.size() + " times, as tokens " + found
                    + "; choose one with --token INDEX");
        }
        return found.getFirst();
    }
}
