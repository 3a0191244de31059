package org.attentionsearch.text;

/**
 * A tokenizer.json that cannot be used: not JSON, missing a required section, or using a
 * normalizer, pre-tokenizer, model or post-processor this tokenizer does not implement.
 * The message says what is wrong in one sentence (bounded in length: see {@link Excerpt#message}).
 */
public class TokenizerFormatException extends IllegalArgumentException {

    public TokenizerFormatException(String message) {
        super(Excerpt.message(message));
    }

    public TokenizerFormatException(String message, Throwable cause) {
        super(Excerpt.message(message), cause);
    }
}
