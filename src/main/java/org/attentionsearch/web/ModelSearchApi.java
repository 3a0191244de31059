package org.attentionsearch.web;

import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.HeadSearch;
import org.attentionsearch.search.MeaningComparison;
import org.attentionsearch.search.SearchJson;
import org.attentionsearch.search.TokenLookup;
import org.attentionsearch.search.TokenRef;

/**
 * The searches across the model, from the same cached analyses and turns as /api/analyze:
 * {@code POST /api/heads}, every layer and head ranked by the weight from one token to another,
 * and {@code POST /api/compare}, two tokens' residual streams compared layer by layer.
 */
final class ModelSearchApi {

    private static final Set<String> HEADS_FIELDS = Set.of("model", "text", "query", "key");
    private static final Set<String> COMPARE_FIELDS = Set.of("model", "text", "a", "otherText", "b");

    private ModelSearchApi() {
    }

    /** {"text", "model", "tokens", "query", "key", "heads": [...]}. */
    static byte[] heads(AnalyzeApi api, JsonNode body) {
        JsonBody.checkFields(body, HEADS_FIELDS, "");
        String text = JsonBody.text(body, "text", AnalyzeRequest.MAX_TEXT_CHARS);
        int query = JsonBody.requiredInt(body, "query", 0, Integer.MAX_VALUE);
        int key = JsonBody.requiredInt(body, "key", 0, Integer.MAX_VALUE);
        return api.admission().run(() -> {
            Analysis a = api.cache().get(text).analysis();
            checkToken("query", query, a);
            checkToken("key", key, a);
            HeadSearch.Page page;
            try {
                page = HeadSearch.of(a, query, key);
            } catch (IllegalArgumentException e) { // a key the query cannot see
                throw ApiException.badRequest(e.getMessage());
            }
            return JsonBody.object(g -> {
                writeText(g, "text", "tokens", a);
                g.writeStringField("model", api.modelName());
                SearchJson.writeHeads(g, page);
            });
        });
    }

    /**
     * {"model", "text", "tokens", "otherText"?, "otherTokens"?, "a", "b", "layers": [...]}: token a of the
     * text against token b of the other text (or of the same one); without b, the token of the
     * other text that is the same word as a.
     */
    static byte[] compare(AnalyzeApi api, JsonNode body) {
        JsonBody.checkFields(body, COMPARE_FIELDS, "");
        String text = JsonBody.text(body, "text", AnalyzeRequest.MAX_TEXT_CHARS);
        int a = JsonBody.requiredInt(body, "a", 0, Integer.MAX_VALUE);
        JsonNode otherNode = body.get("otherText");
        String other = otherNode == null || otherNode.isNull() ? null : JsonBody.text(body, "otherText", AnalyzeRequest.MAX_TEXT_CHARS);
        Integer b = JsonBody.optionalInt(body.get("b"), "b", 0, Integer.MAX_VALUE);
        if (b == null && other == null) throw ApiException.badRequest("\"b\" is required to compare two tokens of one text");
        return api.admission().run(() -> {
            Analysis first = api.cache().get(text).analysis();
            Analysis second = other == null ? first : api.cache().get(other).analysis();
            checkToken("a", a, first);
            int j = b != null ? b : sameWord(first, a, second);
            checkToken("b", j, second);
            MeaningComparison.Comparison c = MeaningComparison.of(first, a, second, j);
            return JsonBody.object(g -> {
                g.writeStringField("model", api.modelName());
                writeText(g, "text", "tokens", first);
                if (other != null) writeText(g, "otherText", "otherTokens", second);
                SearchJson.writeComparison(g, c);
            });
        });
    }

    /** The first token of the other text that reads as token i of the first. */
    private static int sameWord(Analysis first, int i, Analysis second) {
        TokenRef t = first.tokens().get(i);
        String word = first.display(t).strip();
        List<Integer> found = word.isEmpty() ? List.of() : TokenLookup.positions(second, word);
        if (found.isEmpty()) {
            throw ApiException.badRequest("\"" + JsonBody.clip(word.isEmpty() ? t.text() : word)
                    + "\" is not a token of \"otherText\"; give its position as \"b\"");
        }
        return found.getFirst();
    }

    private static void writeText(com.fasterxml.jackson.core.JsonGenerator g, String textField, String tokensField, Analysis a)
            throws java.io.IOException {
        g.writeStringField(textField, a.text());
        g.writeArrayFieldStart(tokensField);
        for (TokenRef t : a.tokens()) SearchJson.writeToken(g, t);
        g.writeEndArray();
    }

    private static void checkToken(String field, int index, Analysis a) {
        if (index >= a.length()) {
            throw ApiException.badRequest("\"" + field + "\" is " + index + ", out of range 0.." + (a.length() - 1)
                    + " (the text has " + a.length() + " tokens)");
        }
    }
}
