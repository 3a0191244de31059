package org.attentionsearch.weights;

import java.util.Map;

import org.attentionsearch.text.Tokenizer;
import org.attentionsearch.text.Tokenizers;

/** Where a model's tokenizer comes from: Hugging Face's JSON files, or a GGUF file's metadata. */
public sealed interface TokenizerSource {

    /** tokenizer.json, and tokenizer_config.json (BOS/EOS settings) when there is one (else null). */
    record Json(byte[] tokenizer, byte[] config) implements TokenizerSource {
        @Override
        public Tokenizer load() {
            return Tokenizers.fromJson(tokenizer, config);
        }

        @Override
        public byte[] tokenizerJson() {
            return tokenizer;
        }

        @Override
        public byte[] tokenizerConfigJson() {
            return config;
        }
    }

    /** The tokenizer.* keys of a GGUF file's metadata. */
    record Gguf(Map<String, Object> metadata) implements TokenizerSource {
        @Override
        public Tokenizer load() {
            return Tokenizers.fromGguf(metadata);
        }

        @Override
        public byte[] tokenizerJson() {
            return Tokenizers.toTokenizerJson(metadata);
        }

        @Override
        public byte[] tokenizerConfigJson() {
            return null;
        }
    }

    /** The tokenizer itself. */
    Tokenizer load();

    /** A tokenizer.json equivalent to this tokenizer (for export). */
    byte[] tokenizerJson();

    /** A tokenizer_config.json to write beside it, or null. */
    byte[] tokenizerConfigJson();
}
