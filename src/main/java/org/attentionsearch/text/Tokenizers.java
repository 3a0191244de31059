package org.attentionsearch.text;

import java.util.Map;
import java.util.Objects;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Tokenizers from a model's files: Hugging Face's tokenizer.json (with tokenizer_config.json when the
 * directory has one) or a GGUF file's metadata.
 */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * The tokenizer a tokenizer.json describes: WordPiece ({@link BertTokenizer}) or BPE ({@link BpeTokenizer}).
     * <p>Special tokens around a text, as transformers' fast tokenizers add them: the tokenizer.json
     * post-processor's template, except that for Llama-style tokenizer classes ({@code LlamaTokenizer},
     * {@code CodeLlamaTokenizer}, {@code GemmaTokenizer}, with or without {@code Fast}) the config's
     * {@code add_bos_token} (default true) and {@code add_eos_token} (default false) rebuild the template
     * as {@code [BOS] text [EOS]}. Other classes ignore those flags, as transformers does (Qwen2's
     * {@code add_bos_token: false} changes nothing). BOS and EOS are the config's {@code bos_token} and
     * {@code eos_token}, else the template's, else well-known names in the vocabulary.
     *
     * @param tokenizerConfigJson the tokenizer_config.json beside it, or null
     * @throws TokenizerFormatException if either file is malformed or uses a component that is not implemented
     */
    public static Tokenizer fromJson(byte[] tokenizerJson, byte[] tokenizerConfigJson) {
        return fromJson(tokenizerJson, tokenizerConfigJson, null);
    }

    /**
     * As {@link #fromJson(byte[], byte[])}, with the generation_config.json beside them (or null):
     * its {@code bos_token_id} and {@code eos_token_id} (one id or several) decide BOS and the ids
     * generation stops at, as transformers' generate does.
     */
    public static Tokenizer fromJson(byte[] tokenizerJson, byte[] tokenizerConfigJson, byte[] generationConfigJson) {
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        JsonNode root = Json.parseObject(tokenizerJson, "tokenizer file");
        TokenizerConfig config = TokenizerConfig.parse(tokenizerConfigJson, generationConfigJson);
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) {
            throw new TokenizerFormatException("The tokenizer file has no \"model\" object.");
        }
        String type = Json.string(model, "type", model.has("merges") ? "BPE" : "WordPiece", "model");
        return switch (type) {
            case "WordPiece" -> BertTokenizer.fromRoot(root);
            case "BPE" -> BpeTokenizer.fromJson(root, config);
            default -> throw new TokenizerFormatException("Unsupported model type \"" + Excerpt.of(type) + "\"; WordPiece and BPE are implemented.");
        };
    }

    /**
     * The tokenizer of a GGUF file, from its metadata (keys {@code tokenizer.ggml.*}), tokenizing as
     * llama.cpp does: {@code gpt2} (byte-level BPE with the pre-tokenizer {@code tokenizer.ggml.pre} names)
     * or {@code llama} (sentencepiece-style, score-driven merges with byte tokens).
     * Integers are {@code Long}, FLOAT32 {@code Float}, FLOAT64 {@code Double}, BOOL {@code Boolean},
     * STRING {@code String}, ARRAY a {@code List<Object>} of the same.
     *
     * @throws TokenizerFormatException if the metadata has no usable tokenizer
     */
    public static Tokenizer fromGguf(Map<String, Object> metadata) {
        return GgufTokenizer.fromMetadata(metadata);
    }

    /**
     * A tokenizer.json equivalent to a GGUF file's vocabulary, for a model directory exported from it:
     * byte-level BPE as is; sentencepiece vocabularies in the BPE form with byte fallback, the merges
     * recovered from the scores (as transformers' converter does).
     */
    public static byte[] toTokenizerJson(Map<String, Object> metadata) {
        return GgufTokenizerJson.export(metadata);
    }
}
