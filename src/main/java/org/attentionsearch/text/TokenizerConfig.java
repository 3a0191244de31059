package org.attentionsearch.text;

import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a model directory's tokenizer_config.json adds to its tokenizer.json: the names of the BOS and
 * EOS tokens and, for Llama-style tokenizer classes, whether BOS and EOS are added around a text; and
 * what its generation_config.json says of BOS and EOS ids (a model may stop at several).
 *
 * @param addBos        {@code add_bos_token}, or null if absent
 * @param addEos        {@code add_eos_token}, or null if absent
 * @param generationBos generation_config.json's {@code bos_token_id}, or −1
 * @param generationEos generation_config.json's {@code eos_token_id} (one id or a list), possibly empty
 */
record TokenizerConfig(String bosToken, String eosToken, Boolean addBos, Boolean addEos, String tokenizerClass,
                       int generationBos, int[] generationEos) {

    static final TokenizerConfig NONE = new TokenizerConfig(null, null, null, null, null, -1, new int[0]);

    /**
     * The classes whose fast tokenizer in transformers rebuilds the post-processor from
     * {@code add_bos_token}/{@code add_eos_token} (LlamaTokenizerFast and the classes built on it).
     */
    private static final Set<String> LLAMA_STYLE = Set.of("LlamaTokenizer", "LlamaTokenizerFast",
            "CodeLlamaTokenizer", "CodeLlamaTokenizerFast", "GemmaTokenizer", "GemmaTokenizerFast");

    static TokenizerConfig parse(byte[] json) {
        return parse(json, null);
    }

    static TokenizerConfig parse(byte[] json, byte[] generationJson) {
        TokenizerConfig c = NONE;
        if (json != null) {
            JsonNode root = Json.parseObject(json, "tokenizer config file");
            c = new TokenizerConfig(tokenName(root, "bos_token"), tokenName(root, "eos_token"),
                    optionalBool(root, "add_bos_token"), optionalBool(root, "add_eos_token"),
                    Json.string(root, "tokenizer_class", null, "tokenizer config"), -1, new int[0]);
        }
        if (generationJson == null) {
            return c;
        }
        JsonNode gen = Json.parseObject(generationJson, "generation config file");
        int[] bos = ids(gen.get("bos_token_id"), "bos_token_id");
        return new TokenizerConfig(c.bosToken, c.eosToken, c.addBos, c.addEos, c.tokenizerClass,
                bos.length > 0 ? bos[0] : -1, ids(gen.get("eos_token_id"), "eos_token_id"));
    }

    /** An id or a list of ids (generation_config.json writes both); none when absent. */
    private static int[] ids(JsonNode v, String field) {
        if (Json.isAbsent(v)) {
            return new int[0];
        }
        JsonNode[] items = v.isArray() ? java.util.stream.StreamSupport.stream(v.spliterator(), false).toArray(JsonNode[]::new)
                : new JsonNode[] {v};
        int[] out = new int[items.length];
        for (int i = 0; i < items.length; i++) {
            if (!items[i].isIntegralNumber() || !items[i].canConvertToInt() || items[i].intValue() < 0) {
                throw new TokenizerFormatException("The generation config's \"" + field + "\" must be a token id or a list of them.");
            }
            out[i] = items[i].intValue();
        }
        return out;
    }

    /** Whether this config's flags replace the tokenizer.json template, as transformers does for Llama-style classes. */
    boolean overridesTemplate() {
        return tokenizerClass != null && LLAMA_STYLE.contains(tokenizerClass) && (addBos != null || addEos != null);
    }

    /** A special token is written either as its string or as an object with a "content" string. */
    static String tokenName(JsonNode root, String field) {
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
