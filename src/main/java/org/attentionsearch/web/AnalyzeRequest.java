package org.attentionsearch.web;

import java.util.Iterator;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.search.View;

/**
 * A checked {@code POST /api/analyze} body: the text, the view (layer and head, or a blend,
 * or rollout), how many results per page, one query token or all of them, the math of one
 * result, and whether to add every head's attention map.
 *
 * @param query     one token's page, or null for every token's page
 * @param top       results per page; 0 for all
 * @param math      the result to take apart, or null
 * @param attention add the weights of every layer and head
 * @param next      add a decoder's next-token predictions and logit lens after the query
 * @param withoutSinks         leave the sinks out of the pages, the rest renormalised
 * @param withoutSpecialTokens leave the special tokens ([CLS], [SEP], BOS) out of the pages, the rest renormalised
 */
record AnalyzeRequest(String text, View view, int top, Integer query, MathRequest math, boolean attention,
                      boolean next, boolean withoutSinks, boolean withoutSpecialTokens) {

    /** Which result the math panel takes apart; null fields take defaults from the request. */
    record MathRequest(Integer query, Integer key, Integer layer, Integer head) {
    }

    static final int MAX_TEXT_CHARS = 100_000;
    private static final Set<String> FIELDS = Set.of("text", "layer", "head", "top", "query", "math", "attention",
            "model", "next", "withoutSinks", "withoutSpecialTokens");
    private static final Set<String> MATH_FIELDS = Set.of("query", "key", "layer", "head");

    static AnalyzeRequest parse(JsonNode body, ModelConfig config) {
        if (body == null || !body.isObject()) throw ApiException.badRequest("the body must be a JSON object");
        checkFields(body, FIELDS, "");
        JsonNode textNode = body.get("text");
        if (textNode == null || textNode.isNull()) throw ApiException.badRequest("\"text\" is required");
        if (!textNode.isTextual()) throw ApiException.badRequest("\"text\" must be a string");
        String text = textNode.textValue();
        if (text.isBlank()) throw ApiException.badRequest("\"text\" is empty");
        if (text.length() > MAX_TEXT_CHARS) {
            throw ApiException.tooLarge("\"text\" has " + text.length() + " characters; the limit is " + MAX_TEXT_CHARS);
        }
        View view = view(body.get("layer"), body.get("head"), config);
        int top = top(body.get("top"));
        Integer query = optionalInt(body.get("query"), "query", 0, Integer.MAX_VALUE);
        MathRequest math = math(body.get("math"), config);
        boolean attention = optionalBoolean(body.get("attention"), "attention");
        boolean next = optionalBoolean(body.get("next"), "next");
        if (next && !config.decoder()) throw ApiException.badRequest("\"next\": an encoder does not predict next tokens");
        if (next && query == null) throw ApiException.badRequest("\"next\" needs \"query\": the position to predict after");
        boolean withoutSinks = optionalBoolean(body.get("withoutSinks"), "withoutSinks");
        if (withoutSinks && view instanceof View.Rollout) {
            throw ApiException.badRequest("rollout marks no sinks (no value enters it); leave out \"withoutSinks\"");
        }
        boolean withoutSpecials = optionalBoolean(body.get("withoutSpecialTokens"), "withoutSpecialTokens");
        return new AnalyzeRequest(text, view, top, query, math, attention, next, withoutSinks, withoutSpecials);
    }

    /** By default the value-weighted blend of the middle layer, as on the command line. */
    private static View view(JsonNode layerNode, JsonNode headNode, ModelConfig config) {
        Integer layer = optionalInt(layerNode, "layer", 0, config.layers() - 1);
        String blend = "value";
        Integer head = null;
        if (headNode != null && !headNode.isNull()) {
            if (headNode.isTextual()) {
                blend = headNode.textValue();
                if (!Set.of("mean", "value", "rollout").contains(blend)) {
                    throw ApiException.badRequest("\"head\" must be a head number or \"mean\", \"value\" or \"rollout\", not \""
                            + clip(blend) + "\"");
                }
            } else {
                head = optionalInt(headNode, "head", 0, config.heads() - 1);
            }
        }
        if ("rollout".equals(blend) && head == null) {
            if (layer != null) throw ApiException.badRequest("rollout spans every layer; leave out \"layer\"");
            return new View.Rollout();
        }
        int l = layer != null ? layer : (config.layers() - 1) / 2;
        if (head != null) return new View.Head(l, head);
        return "mean".equals(blend) ? new View.MeanBlend(l) : new View.ValueBlend(l);
    }

    private static int top(JsonNode node) {
        if (node == null || node.isNull()) return 10;
        if (node.isTextual() && node.textValue().equals("all")) return 0;
        if (node.isTextual()) throw ApiException.badRequest("\"top\" must be a positive integer or \"all\"");
        return optionalInt(node, "top", 1, Integer.MAX_VALUE);
    }

    private static MathRequest math(JsonNode node, ModelConfig config) {
        if (node == null || node.isNull() || (node.isBoolean() && !node.booleanValue())) return null;
        if (node.isBoolean()) return new MathRequest(null, null, null, null);
        if (!node.isObject()) throw ApiException.badRequest("\"math\" must be an object {query, key, layer, head} or true");
        checkFields(node, MATH_FIELDS, "math.");
        return new MathRequest(
                optionalInt(node.get("query"), "math.query", 0, Integer.MAX_VALUE),
                optionalInt(node.get("key"), "math.key", 0, Integer.MAX_VALUE),
                optionalInt(node.get("layer"), "math.layer", 0, config.layers() - 1),
                optionalInt(node.get("head"), "math.head", 0, config.heads() - 1));
    }

    private static void checkFields(JsonNode object, Set<String> allowed, String prefix) {
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!allowed.contains(name)) {
                throw ApiException.badRequest("unknown field \"" + prefix + clip(name) + "\"; known fields are "
                        + String.join(", ", allowed.stream().sorted().map(f -> prefix + f).toList()));
            }
        }
    }

    private static Integer optionalInt(JsonNode node, String field, int min, int max) {
        if (node == null || node.isNull()) return null;
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw ApiException.badRequest("\"" + field + "\" must be an integer");
        }
        int v = node.intValue();
        if (v < min || v > max) {
            throw ApiException.badRequest("\"" + field + "\" is " + v + ", out of range "
                    + (max == Integer.MAX_VALUE ? "(at least " + min + ")" : min + ".." + max));
        }
        return v;
    }

    private static boolean optionalBoolean(JsonNode node, String field) {
        if (node == null || node.isNull()) return false;
        if (!node.isBoolean()) throw ApiException.badRequest("\"" + field + "\" must be true or false");
        return node.booleanValue();
    }

    /** Client strings quoted back in errors are kept short. */
    private static String clip(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
