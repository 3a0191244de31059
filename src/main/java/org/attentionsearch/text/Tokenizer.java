package org.attentionsearch.text;

import java.util.OptionalInt;

/**
 * Text to a model's token ids and back, with every token's span in the original text.
 * Implementations are immutable and safe for concurrent use.
 */
public interface Tokenizer {

    /**
     * The tokens of {@code text}, with the special tokens the model expects around a single
     * text (BERT: {@code [CLS] … [SEP]}; a decoder: its BOS when it adds one).
     */
    Encoding encode(String text);

    /** Number of ids: one more than the largest id of the vocabulary and the added tokens. */
    int vocabSize();

    /**
     * The token string of an id, as the vocabulary writes it.
     *
     * @throws IllegalArgumentException if no token has that id
     */
    String token(int id);

    /** The id of a token string, as the vocabulary writes it. */
    OptionalInt id(String token);
}
