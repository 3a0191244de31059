package org.attentionsearch.search;

import org.attentionsearch.text.Tokenizer;

/** How a vocabulary entry is shown to people. */
public final class TokenText {

    private TokenText() {
    }

    /**
     * The text a token stands for when decoded on its own (" bank" for GPT-2's "Ġbank"), or its
     * vocabulary string when that decodes to nothing, or {@code <id N>} for an id the tokenizer
     * does not know (rows a model pads its embedding table with).
     */
    public static String of(Tokenizer tokenizer, int id) {
        if (id < 0 || id >= tokenizer.vocabSize()) return "<id " + id + ">";
        try {
            String decoded = tokenizer.decode(new int[] {id});
            return decoded.isEmpty() ? tokenizer.token(id) : decoded;
        } catch (IllegalArgumentException e) {
            return "<id " + id + ">";
        }
    }
}
