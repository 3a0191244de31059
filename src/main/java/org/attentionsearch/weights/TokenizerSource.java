package org.attentionsearch.weights;

import java.util.Map;
import java.util.Optional;

import org.attentionsearch.text.ChatTemplate;
import org.attentionsearch.text.ChatTemplateFiles;
import org.attentionsearch.text.Tokenizer;
import org.attentionsearch.text.TokenizerFormatException;
import org.attentionsearch.text.Tokenizers;

/** Where a model's tokenizer comes from: Hugging Face's JSON files, or a GGUF file's metadata. */
public sealed interface TokenizerSource {

    /**
     * tokenizer.json, with tokenizer_config.json (BOS/EOS names, whether BOS is added, the chat
     * template) and generation_config.json (the ids generation stops at) when there are (else null);
     * {@code file} names them in messages.
     */
    record Json(byte[] tokenizer, byte[] config, byte[] generationConfig, String file) implements TokenizerSource {
        public Json(byte[] tokenizer, byte[] config) {
            this(tokenizer, config, null, "tokenizer.json");
        }

        @Override
        public Tokenizer load() {
            try {
                return Tokenizers.fromJson(tokenizer, config, generationConfig);
            } catch (TokenizerFormatException e) {
                throw new ModelFormatException(file, firstLetterLow(e.getMessage()), e);
            }
        }

        @Override
        public byte[] tokenizerJson() {
            return tokenizer;
        }

        @Override
        public Optional<ChatTemplate> chatTemplate(Tokenizer loaded) {
            try {
                return ChatTemplateFiles.fromTokenizerConfig(config, loaded);
            } catch (TokenizerFormatException e) {
                throw new ModelFormatException(file, firstLetterLow(e.getMessage()), e);
            }
        }
    }

    /** The tokenizer.* keys of a GGUF file's metadata; {@code file} names it in messages. */
    record Gguf(Map<String, Object> metadata, String file) implements TokenizerSource {
        @Override
        public Tokenizer load() {
            try {
                return Tokenizers.fromGguf(metadata);
            } catch (TokenizerFormatException e) {
                throw new ModelFormatException(file, firstLetterLow(e.getMessage()), e);
            }
        }

        @Override
        public byte[] tokenizerJson() {
            return Tokenizers.toTokenizerJson(metadata);
        }

        @Override
        public Optional<ChatTemplate> chatTemplate(Tokenizer loaded) {
            try {
                return ChatTemplateFiles.fromGguf(metadata, loaded);
            } catch (TokenizerFormatException e) {
                throw new ModelFormatException(file, firstLetterLow(e.getMessage()), e);
            }
        }
    }

    /** The tokenizer itself; a tokenizer that cannot be used is a {@link ModelFormatException} naming the file. */
    Tokenizer load();

    /** A tokenizer.json equivalent to this tokenizer (for export). */
    byte[] tokenizerJson();

    /**
     * The chat template the files declare, given the BOS and EOS tokens they name (else those of
     * {@code loaded}, the tokenizer {@link #load} gave); a malformed one is a {@link ModelFormatException} naming the file.
     */
    Optional<ChatTemplate> chatTemplate(Tokenizer loaded);

    /** "The tokenizer file is …" reads as "…: the tokenizer file is …" after a file name. */
    private static String firstLetterLow(String sentence) {
        return sentence.isEmpty() ? sentence : Character.toLowerCase(sentence.charAt(0)) + sentence.substring(1);
    }
}
