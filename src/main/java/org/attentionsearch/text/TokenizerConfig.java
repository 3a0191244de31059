package org.attentionsearch.text;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;

/**
 * What a model directory's tokenizer_config.json adds to its tokenizer.json: the names of the BOS and
 * EOS tokens and, for Llama-style tokenizer classes, whether BOS and EOS are added around a text.
 *
 * @param addBos {@code add_bos_token}, or null if absent
 * @param addEos {@code add_eos_token}, or null if absent
 */
record TokenizerConfig(String bosToken, String eosToken, Boolean addBos, Boolean addEos, String tokenizerClass) {

    static final TokenizerConfig NONE = new TokenizerConfig(null, null, null, null, null);

    /**
     * The classes whose fast tokenizer in transformers rebuilds the post-processor from
     * {@code add_bos_token}/{@code add_eos_token} (LlamaTokenizerFast and the classes built on it).
     */
    private static final Set<String> LLAMA_STYLE = Set.of("LlamaTokenizer", "LlamaTokenizerFast",
            "CodeLlamaTokenizer", "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast");

    static TokenizerConfig parse(byte[] json) {
        if (json == null) {
            return NONE;
        }
        JsonNode root = Json.parseObject(json, "tokenizer config file");
        return new TokenizerConfig(tokenName(root, "bos_token"), tokenName(root, "eos_token"),
                optionalBool(root, "add_bos_token"), optionalBool(root, "add_eos_token"),
                Json.string(root, "tokenizer_class", null, "tokenizer config"));
    }

    /** Whether this config's flags replace the tokenizer.json template, as transformers does for Llama-style classes. */
    boolean overridesTemplate() {
        return tokenizerClass != null && LLAMA_STYLE.contains(tokenizerClass) && (addBos != null || addEos != null);
    }

    /** A special token is written either as its string or as an object with a "content" string. */
    private static String tokenName(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (Json.isAbsent(v)) {
            return null;
        }
        if (v.isTextual()) {
            return v.textValue();
        }
        if (v.isObject() && v.get("content") != null && v.get("content").isTextual()) {
            return v.get("content").textValue();
        }
        throw new TokenizerFormatException("The tokenizer config's \"" + field + "\" must be a string or an object with a \"content\" string.");
    }

    private static Boolean optionalBool(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (Json.isAbsent(v)) {
            return null;
        }
        if (!v.isBoolean()) {
            throw new TokenizerFormatException("The tokenizer config's \"" + field + "\" must be true or false.");
        }
        return v.booleanValue();
    }
}
