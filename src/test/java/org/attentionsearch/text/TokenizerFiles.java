package org.attentionsearch.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** The tokenizer.json files on the test classpath, for our tokenizer and for the reference. */
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

    /** The Hugging Face implementation (through DJL) on the same file, without padding or truncation. */
    static HuggingFaceTokenizer reference(String resource, Map<String, String> options) throws IOException {
        Path file = Files.createTempFile("tokenizer", ".json");
        try {
            Files.write(file, bytes(resource));
            return HuggingFaceTokenizer.newInstance(file, options);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    static HuggingFaceTokenizer reference(String resource) throws IOException {
        return reference(resource, Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false"));
    }
}
