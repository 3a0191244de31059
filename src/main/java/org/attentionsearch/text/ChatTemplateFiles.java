package org.attentionsearch.text;

import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Where a model keeps its chat template: tokenizer_config.json's {@code chat_template} (a string,
 * or a list of {@code {"name", "template"}} of which "default" is the one used), a directory's own
 * chat_template.jinja or chat_template.json (which transformers prefers to the config's), or a
 * GGUF file's {@code tokenizer.chat_template} metadata.
 */
public final class ChatTemplateFiles {

    /** The separate template files of a Hugging Face directory, in the order transformers prefers them. */
    public static final String JINJA_FILE = "chat_template.jinja";
    public static final String JSON_FILE = "chat_template.json";
    /** The GGUF metadata key llama.cpp's converter writes the (default) template under. */
    public static final String GGUF_KEY = "tokenizer.chat_template";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private ChatTemplateFiles() {
    }

    /**
     * The chat template a tokenizer_config.json declares, given the config's {@code bos_token} and
     * {@code eos_token}; where the config names none (or there is no config), the tokenizer's BOS and EOS.
     *
     * @param tokenizerConfigJson the config, or null
     * @throws TokenizerFormatException if the config's chat_template is neither a string nor a list with a "default"
     */
    public static Optional<ChatTemplate> fromTokenizerConfig(byte[] tokenizerConfigJson, Tokenizer tokenizer) {
        if (tokenizerConfigJson == null) {
            return Optional.empty();
        }
        JsonNode config = Json.parseObject(tokenizerConfigJson, "tokenizer config file");
        Optional<String> source = source(config.get("chat_template"), "tokenizer config's \"chat_template\"");
        if (source.isEmpty()) {
            return Optional.empty();
        }
        // A config that names a token (null included) is followed; else the tokenizer's own BOS and EOS are given.
        String bos = config.has("bos_token") ? TokenizerConfig.tokenName(config, "bos_token") : tokenText(tokenizer, tokenizer.bos());
        String eos = config.has("eos_token") ? TokenizerConfig.tokenName(config, "eos_token") : tokenText(tokenizer, tokenizer.eos());
        return Optional.of(ChatTemplate.of(source.get(), bos, eos));
    }

    /**
     * The chat template of a GGUF file's metadata ({@value #GGUF_KEY}), with the tokenizer's BOS
     * and EOS tokens, as llama.cpp renders it.
     *
     * @throws TokenizerFormatException if the key holds something other than a string
     */
    public static Optional<ChatTemplate> fromGguf(Map<String, Object> metadata, Tokenizer tokenizer) {
        Object v = metadata.get(GGUF_KEY);
        if (v == null) {
            return Optional.empty();
        }
        if (!(v instanceof String source)) {
            throw new TokenizerFormatException("The GGUF metadata's " + GGUF_KEY + " must be a string.");
        }
        return Optional.of(ChatTemplate.of(source, tokenText(tokenizer, tokenizer.bos()), tokenText(tokenizer, tokenizer.eos())));
    }

    /**
     * The template of a chat_template.json file ({@code {"chat_template": …}}, as processors save it).
     *
     * @throws TokenizerFormatException if it is not such a file
     */
    public static String fromChatTemplateJson(byte[] json) {
        JsonNode root = Json.parseObject(json, "chat template file");
        return source(root.get("chat_template"), "chat template file's \"chat_template\"")
                .orElseThrow(() -> new TokenizerFormatException("The chat template file has no \"chat_template\"."));
    }

    /**
     * A tokenizer_config.json with its {@code chat_template} set to {@code template}, every other
     * field kept (a new config holds the template alone, which changes no tokenization): how a
     * template read from its own file, or from GGUF metadata, stays with the tokenizer's files.
     *
     * @param tokenizerConfigJson the config, or null for none
     */
    public static byte[] withChatTemplate(byte[] tokenizerConfigJson, String template) {
        ObjectNode config = tokenizerConfigJson == null ? MAPPER.createObjectNode()
                : (ObjectNode) Json.parseObject(tokenizerConfigJson, "tokenizer config file");
        config.put("chat_template", template);
        try {
            return MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(config);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a JSON tree could not be written", e);
        }
    }

    /** A chat_template value: a string, or the "default" of a list of named templates; empty when absent. */
    private static Optional<String> source(JsonNode v, String what) {
        if (Json.isAbsent(v)) {
            return Optional.empty();
        }
        if (v.isTextual()) {
            return Optional.of(v.textValue());
        }
        if (v.isArray()) {
            for (JsonNode named : v) {
                if (!named.isObject() || !named.path("name").isTextual() || !named.path("template").isTextual()) {
                    throw new TokenizerFormatException("The " + what + " list must hold {\"name\", \"template\"} objects of strings.");
                }
                if (named.get("name").textValue().equals("default")) {
                    return Optional.of(named.get("template").textValue());
                }
            }
            throw new TokenizerFormatException("The " + what + " list has no template named \"default\".");
        }
        throw new TokenizerFormatException("The " + what + " must be a string or a list of named templates.");
    }

    private static String tokenText(Tokenizer tokenizer, OptionalInt id) {
        return id.isPresent() ? tokenizer.token(id.getAsInt()) : null;
    }
}
