package org.attentionsearch.web;

import java.io.IOException;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionsearch.corpus.CorpusException;
import org.attentionsearch.corpus.CorpusIndex;
import org.attentionsearch.corpus.CorpusSearch;
import org.attentionsearch.corpus.Hit;
import org.attentionsearch.corpus.SearchFilter;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;

/**
 * {@code /api/similar}, the "Similar contexts in the corpus" panel: with {@code serve --index DIR},
 * the occurrences of the index nearest to a token of the text on the results page, as
 * {@code search --json} gives them (without their pages). {@code GET} says whether there is an index and what it holds.
 * One query at a time: the index's searcher is shared.
 */
final class SimilarContextsApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_TOP = 50, MAX_TEXT = 100_000;

    private final Model model;
    private final CorpusIndex index;

    SimilarContextsApi(Model model, CorpusIndex index) {
        this.model = model;
        this.index = index;
    }

    /** {"available": false} without an index (an answer, not an error, so that the page logs none). */
    byte[] describe() {
        if (index == null) return bytes(JSON.createObjectNode().put("available", false));
        var m = index.manifest();
        ObjectNode o = JSON.createObjectNode().put("available", true).put("documents", m.texts()).put("tokens", m.tokens());
        ArrayNode layers = o.putArray("layers");
        for (int l : m.layers()) layers.add(l);
        return bytes(o);
    }

    /** {"text", "token": position, "layer" (optional: an indexed layer, else the nearest indexed one), "top" (default 5)}. */
    synchronized byte[] similar(byte[] body) {
        if (index == null) throw new ApiException(404, "this server was started without a corpus index (serve --index DIR)");
        JsonNode req;
        try {
            req = JSON.readTree(body);
        } catch (IOException e) {
            throw ApiException.badRequest("the body is not valid JSON");
        }
        if (req == null || !req.isObject() || !req.path("text").isTextual() || req.path("text").asText().isBlank()) {
            throw ApiException.badRequest("give {\"text\": \"…\", \"token\": N}");
        }
        String text = req.get("text").asText();
        if (text.length() > MAX_TEXT) throw new ApiException(413, "the text is longer than " + MAX_TEXT + " characters");
        if (!req.path("token").canConvertToInt()) throw ApiException.badRequest("\"token\" must be a token position");
        int top = req.path("top").isMissingNode() ? 5 : req.path("top").asInt(-1);
        if (top < 1 || top > MAX_TOP) throw ApiException.badRequest("\"top\" must be between 1 and " + MAX_TOP);
        int[] layers = index.manifest().layers();
        int layer = nearest(layers, req.path("layer").canConvertToInt() ? req.get("layer").asInt() : layers[layers.length - 1]);
        Analysis a = Analysis.of(model, model.tokenize(text));
        int position = req.get("token").asInt();
        if (position < 0 || position >= a.length()) throw ApiException.badRequest("token " + position + " is out of range 0.." + (a.length() - 1));
        List<CorpusSearch.Found> found;
        try {
            found = CorpusSearch.search(index, model, CorpusSearch.query(a, position, layer), top, SearchFilter.NONE, -1);
        } catch (CorpusException e) {
            throw new ApiException(500, e.getMessage());
        }
        ObjectNode o = JSON.createObjectNode();
        o.putObject("query").put("position", position).put("token", a.tokens().get(position).text()).put("layer", layer);
        ArrayNode hits = o.putArray("hits");
        for (CorpusSearch.Found f : found) {
            Hit h = f.hit();
            ObjectNode x = hits.addObject().put("doc", h.doc()).put("position", h.position()).put("token", h.token())
                    .put("similarity", h.similarity());
            x.putObject("snippet").put("before", f.snippet().before()).put("match", f.snippet().match()).put("after", f.snippet().after());
        }
        return bytes(o);
    }

    /** The indexed layer nearest to {@code layer} (the later one on a tie). */
    private static int nearest(int[] layers, int layer) {
        int best = layers[0];
        for (int l : layers) if (Math.abs(l - layer) <= Math.abs(best - layer)) best = l;
        return best;
    }

    private static byte[] bytes(JsonNode o) {
        try {
            return JSON.writeValueAsBytes(o);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
