package org.attentionsearch.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.Locale;

import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.HeadSearch;
import org.attentionsearch.search.MeaningComparison;
import org.attentionsearch.search.SearchJson;
import org.attentionsearch.search.TokenLookup;
import org.attentionsearch.search.TokenRef;

/**
 * {@code explain --heads} and {@code explain --compare}: the searches across the whole model,
 * and how a user names a token for them — a word, a position, or a word at a position
 * ({@code bank#5}: the token at position 5, as the overview and {@code --token INDEX} count them,
 * which must read "bank").
 */
final class ModelSearches {

    private ModelSearches() {
    }

    /** The position {@code spec} names in {@code a}: WORD, INDEX or WORD#INDEX; a usage error otherwise. */
    static int resolve(Analysis a, String spec, String option) {
        String s = spec.strip();
        int n = a.length();
        int hash = s.lastIndexOf('#');
        if (hash > 0 && s.substring(hash + 1).matches("\\d+")) {
            String word = s.substring(0, hash);
            int i = index(s.substring(hash + 1), n, option);
            if (!TokenLookup.positions(a, word).contains(i)) {
                throw new UsageException(option + " " + s + ": token " + i + " is '" + label(a, a.tokens().get(i)) + "', not '" + word + "'");
            }
            return i;
        }
        if (s.matches("-?\\d+")) return index(s, n, option);
        List<Integer> found = TokenLookup.positions(a, s);
        if (found.isEmpty()) {
            StringBuilder all = new StringBuilder();
            for (TokenRef t : a.tokens()) all.append(all.isEmpty() ? "" : " ").append(t.position()).append(':').append(t.text());
            throw new UsageException(option + ": '" + s + "' is not a token of the text; its tokens are " + all);
        }
        if (found.size() > 1) {
            StringBuilder which = new StringBuilder();
            for (int i : found) which.append(which.isEmpty() ? "" : ", ").append(s).append('#').append(i);
            throw new UsageException(option + ": '" + s + "' occurs " + found.size() + " times: choose one as " + which
                    + " (WORD#N is the token at position N)");
        }
        return found.getFirst();
    }

    private static int index(String digits, int n, String option) {
        int i;
        try {
            i = Integer.parseInt(digits);
        } catch (NumberFormatException e) {
            i = -1;
        }
        if (i < 0 || i >= n) throw new UsageException(option + ": token index " + digits + " is out of range 0.." + (n - 1));
        return i;
    }

    static HeadSearch.Page heads(Analysis a, int query, int key) {
        try {
            return HeadSearch.of(a, query, key);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    static void writeHeads(JsonLines lines, Analysis a, String modelName, HeadSearch.Page page) {
        lines.object(g -> {
            g.writeStringField("text", a.text());
            g.writeStringField("model", modelName);
            g.writeArrayFieldStart("tokens");
            for (TokenRef t : a.tokens()) SearchJson.writeToken(g, t);
            g.writeEndArray();
            SearchJson.writeHeads(g, page);
        });
    }

    static void printHeads(PrintStream out, Style style, Analysis a, String modelName, HeadSearch.Page page, int top) {
        String q = label(a, page.query()), k = label(a, page.key());
        out.println(style.bold("Which heads make " + q + " find " + k + "?") + style.dim(String.format(Locale.ROOT,
                "  %s#%d → %s#%d · %s", q, page.query().position(), k, page.key().position(), modelName)));
        out.println(style.dim("About " + page.heads().size() + " heads, ranked by the attention weight from " + q + " to " + k
                + "; value adds = ‖α·f(x)‖, what " + k + "'s value adds to " + q + " through the head"));
        out.println();
        double max = page.heads().isEmpty() ? 1 : Math.max(1e-12, page.heads().getFirst().weight());
        List<HeadSearch.Hit> shown = top <= 0 ? page.heads() : page.heads().subList(0, Math.min(top, page.heads().size()));
        for (HeadSearch.Hit h : shown) {
            out.printf(Locale.ROOT, "%3d. %s  %s%s%n", h.rank(), style.link(String.format(Locale.ROOT, "layer %d head %d", h.layer(), h.head())),
                    style.bar(h.weight() / max, 20), String.format(Locale.ROOT, "weight %.3f", h.weight()));
            out.println(style.dim(String.format(Locale.ROOT, "     score %.2f · value adds %.3f · %s is #%d on %s's page there",
                    h.score(), h.valueNorm(), k, h.pageRank(), q)));
        }
    }

    static MeaningComparison.Comparison compare(Analysis a, int i, Analysis b, int j) {
        return MeaningComparison.of(a, i, b, j);
    }

    static void writeComparison(JsonLines lines, Analysis a, Analysis b, String modelName, MeaningComparison.Comparison c) {
        lines.object(g -> {
            g.writeStringField("text", a.text());
            g.writeStringField("model", modelName);
            g.writeArrayFieldStart("tokens");
            for (TokenRef t : a.tokens()) SearchJson.writeToken(g, t);
            g.writeEndArray();
            if (b != a) {
                g.writeStringField("otherText", b.text());
                g.writeArrayFieldStart("otherTokens");
                for (TokenRef t : b.tokens()) SearchJson.writeToken(g, t);
                g.writeEndArray();
            }
            SearchJson.writeComparison(g, c);
        });
    }

    static void printComparison(PrintStream out, Style style, Analysis a, Analysis b, String modelName, MeaningComparison.Comparison c) {
        String x = label(a, c.a()) + "#" + c.a().position(), y = label(b, c.b()) + "#" + c.b().position() + (b != a ? " (other text)" : "");
        out.println(style.bold("How alike are " + x + " and " + y + "?") + style.dim(" · " + modelName));
        out.println(style.dim("The cosine of their residual streams: 1 the same direction, 0 unrelated; where the model reads them, "
                + "then after every layer"));
        out.println();
        for (MeaningComparison.Layer l : c.layers()) {
            String where = l.layer() < 0 ? "embeddings" : "layer " + l.layer();
            out.printf(Locale.ROOT, "  %-12s %s%+.3f%n", where, style.bar(Math.max(0, l.cosine()), 20), l.cosine());
        }
    }

    /** How a token is shown: its text for a decoder, its vocabulary string for an encoder (see {@link Analysis#display}). */
    static String label(Analysis a, TokenRef t) {
        return a.display(t).strip().replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r");
    }
}
