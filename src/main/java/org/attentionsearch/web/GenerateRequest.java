package org.attentionsearch.web;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Sampler;
import org.attentionsearch.search.View;

/**
 * A checked {@code POST /api/generate} body: the prompt, how to sample, how many tokens, and the
 * view of each new token's results page (one head or a blend of a layer; rollout needs every
 * layer's whole matrix, which a step does not have).
 *
 * @param top results per token's page
 */
record GenerateRequest(String prompt, int maxTokens, Sampler.Settings sampling, View view, int top) {

    /** Tokens one request may ask for. */
    static final int MAX_TOKENS = 1024;
    private static final Set<String> FIELDS = Set.of("model", "prompt", "maxTokens", "temperature", "topK", "topP", "seed",
            "layer", "head", "top");

    static GenerateRequest parse(JsonNode body, ModelConfig config) {
        JsonBody.checkFields(body, FIELDS, "");
        String prompt = JsonBody.text(body, "prompt", AnalyzeRequest.MAX_TEXT_CHARS);
        Integer max = JsonBody.optionalInt(body.get("maxTokens"), "maxTokens", 1, MAX_TOKENS);
        Double temperature = JsonBody.optionalNumber(body.get("temperature"), "temperature", 0, 10);
        Integer topK = JsonBody.optionalInt(body.get("topK"), "topK", 0, Integer.MAX_VALUE);
        Double topP = JsonBody.optionalNumber(body.get("topP"), "topP", 0, 1);
        if (topP != null && topP == 0) throw ApiException.badRequest("\"topP\" must be more than 0");
        JsonNode seedNode = body.get("seed");
        long seed = 0;
        if (seedNode != null && !seedNode.isNull()) {
            if (!seedNode.isIntegralNumber() || !seedNode.canConvertToLong()) throw ApiException.badRequest("\"seed\" must be an integer");
            seed = seedNode.longValue();
        }
        Integer top = JsonBody.optionalInt(body.get("top"), "top", 1, 100);
        Sampler.Settings sampling = new Sampler.Settings(temperature == null ? 0 : temperature, topK == null ? 0 : topK,
                topP == null ? 1 : topP, seed);
        return new GenerateRequest(prompt, max == null ? 32 : max, sampling, view(body, config), top == null ? 10 : top);
    }

    /** By default the value-weighted blend of the middle layer, as for /api/analyze. */
    private static View view(JsonNode body, ModelConfig config) {
        int layer = orElse(JsonBody.optionalInt(body.get("layer"), "layer", 0, config.layers() - 1), (config.layers() - 1) / 2);
        JsonNode head = body.get("head");
        if (head == null || head.isNull()) return new View.ValueBlend(layer);
        if (head.isTextual()) {
            return switch (head.textValue()) {
                case "value" -> new View.ValueBlend(layer);
                case "mean" -> new View.MeanBlend(layer);
                case "rollout" -> throw ApiException.badRequest("rollout needs every layer's whole attention matrix, which a "
                        + "generated token's step does not have; choose a head, \"mean\" or \"value\"");
                default -> throw ApiException.badRequest("\"head\" must be a head number or \"mean\" or \"value\", not \""
                        + JsonBody.clip(head.textValue()) + "\"");
            };
        }
        return new View.Head(layer, JsonBody.optionalInt(head, "head", 0, config.heads() - 1));
    }

    private static int orElse(Integer v, int fallback) {
        return v == null ? fallback : v;
    }
}
