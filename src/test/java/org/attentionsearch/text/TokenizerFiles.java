package org.attentionsearch.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The tokenizer.json files on the test classpath, for our tokenizer and for the reference, and the
 * reference (Hugging Face's tokenizer through DJL) on any tokenizer.json.
 */
final class TokenizerFiles {
    private TokenizerFiles() {}

    static final String MINILM = "/all-minilm-l6-v2-tokenizer.json";
    static final String BGE = "/bge-small-en-v1.5-tokenizer.json";

    static byte[] bytes(String resource) {
        try (InputStream in = TokenizerFiles.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + resource);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static BertTokenizer ours(String resource) {
        return BertTokenizer.fromJson(bytes(resource));
    }

    private static final Map<String, String> SPECIAL_TOKENS_ONLY =
            Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false");

    /** The Hugging Face implementation (through DJL) on a tokenizer.json's bytes, with these options. */
    static HuggingFaceTokenizer reference(byte[] tokenizerJson, Map<String, String> options) throws IOException {
        Path file = Files.createTempFile("tokenizer", ".json");
        try {
            Files.write(file, tokenizerJson);
            return HuggingFaceTokenizer.newInstance(file, options);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** The Hugging Face implementation on a tokenizer.json's bytes: special tokens added, no padding or truncation. */
    static HuggingFaceTokenizer reference(byte[] tokenizerJson) throws IOException {
        return reference(tokenizerJson, SPECIAL_TOKENS_ONLY);
    }

    /** The Hugging Face implementation on a file of the classpath, with these options. */
    static HuggingFaceTokenizer reference(String resource, Map<String, String> options) throws IOException {
        return reference(bytes(resource), options);
    }

    /** The Hugging Face implementation on a file of the classpath: special tokens added, no padding or truncation. */
    static HuggingFaceTokenizer reference(String resource) throws IOException {
        return reference(bytes(resource));
    }

    /** An entry of tokenizer.json's {@code added_tokens}. */
    static ObjectNode addedToken(int id, String content, boolean special, boolean singleWord, boolean lstrip,
                                 boolean rstrip, boolean normalized) {
        ObjectNode t = JsonNodeFactory.instance.objectNode();
        t.put("id", id).put("content", content).put("single_word", singleWord).put("lstrip", lstrip)
                .put("rstrip", rstrip).put("normalized", normalized).put("special", special);
        return t;
    }
}
