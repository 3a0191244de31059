package org.attentionsearch.corpus;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.Snippet;
import org.attentionsearch.search.TokenRef;
import org.attentionsearch.search.View;

/**
 * {@code search}: the occurrences in a corpus whose vector at a layer is nearest to a token's in
 * a text of one's own — the contexts where the model reads a token the same way — each with its
 * snippet and its results page at that layer, from a fresh pass over its document.
 */
public final class CorpusSearch {

    private CorpusSearch() {
    }

    /** The query: a token of an analysed text, and its vector leaving {@code layer}. */
    public record Query(Analysis analysis, int position, int layer, float[] vector) {
        public TokenRef token() {
            return analysis.tokens().get(position);
        }
    }

    /**
     * One hit with what shows it: the document's text, the token in its snippet, and the token's
     * results page under the value-weighted blend of the layer (null when pages were not asked for).
     */
    public record Found(Hit hit, String text, Snippet snippet, ResultsPage page) {
    }

    public static Query query(Analysis a, int position, int layer) {
        return new Query(a, position, layer, Contexts.vector(a, layer, position));
    }

    /**
     * The {@code k} nearest occurrences to the query in the index, with pages of {@code pageTop}
     * results (none when pageTop &lt; 0).
     */
    public static List<Found> search(CorpusIndex index, Model model, Query q, int k, SearchFilter filter, int pageTop) {
        List<Hit> hits = index.search(q.layer(), q.vector(), k, filter, q.token().text());
        Map<Integer, String> texts = new LinkedHashMap<>();
        for (Hit h : hits) texts.computeIfAbsent(h.doc(), index::text);
        Map<Integer, Analysis> analyses = new LinkedHashMap<>();
        if (pageTop >= 0 && !texts.isEmpty()) {
            List<Model.Tokenized> tokenized = new ArrayList<>();
            for (String t : texts.values()) tokenized.add(model.tokenize(t));
            List<Analysis> list = Analysis.of(model, tokenized,
                    org.attentionsearch.search.Streaming.past(Runtime.getRuntime().maxMemory() / 4));
            int x = 0;
            for (int doc : texts.keySet()) analyses.put(doc, list.get(x++));
        }
        List<Found> out = new ArrayList<>(hits.size());
        for (Hit h : hits) {
            String text = texts.get(h.doc());
            Snippet snippet = Snippet.of(text, new TokenRef(h.position(), h.id(), h.token(), h.start(), h.end()));
            Analysis a = analyses.get(h.doc());
            ResultsPage page = a == null || h.position() >= a.length() ? null
                    : a.page(new View.ValueBlend(q.layer()), h.position(), Math.max(1, pageTop));
            out.add(new Found(h, text, snippet, page));
        }
        return out;
    }
}
