package org.attentionsearch.search;

import org.attentionsearch.text.Tokenizer;

/** How a vocabulary entry is shown to people. */
public final class TokenText {

    private TokenText() {
    }

    /** The token's text, or {@code <id N>} for an id past the tokenizer's vocabulary (a padded embedding table). */
    public static String of(Tokenizer tokenizer, int id) {
        if (id >= tokenizer.vocabSize()) return "<id " + id + ">";
        try {
            return tokenizer.token(id);
        } catch (IllegalArgumentException e) {
            return "<id " + id + ">";
        }
    }
}
