package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import org.attentionsearch.text.Encoding;
import org.attentionsearch.text.Tokenizer;

/** Finds where a word the user typed stands among an analysed text's tokens. */
public final class TokenLookup {

    private TokenLookup() {
    }

    /**
     * Positions of {@code word}: tokens whose original text (without surrounding spaces) or
     * vocabulary string equals it (case-insensitively, ignoring WordPiece's ## and the word-start
     * marks Ġ and ▁ of byte-level and sentencepiece vocabularies), or else the first piece of every place
     * where the word's own word pieces stand in a row.
     */
    public static List<Integer> positions(Analysis a, String word) {
        return positions(a.model().tokenizer(), a.text(), a.tokens(), word);
    }

    /** The same, on a tokenized text before any forward pass: a word can be checked before the model runs. */
    public static List<Integer> positions(Tokenizer tokenizer, String text, Encoding encoding, String word) {
        List<TokenRef> tokens = new ArrayList<>(encoding.length());
        for (int i = 0; i < encoding.length(); i++) {
            tokens.add(new TokenRef(i, encoding.ids()[i], encoding.tokens()[i], encoding.starts()[i], encoding.ends()[i]));
        }
        return positions(tokenizer, text, tokens, word);
    }

    private static List<Integer> positions(Tokenizer tokenizer, String text, List<TokenRef> tokens, String word) {
        String w = word.strip();
        List<Integer> found = new ArrayList<>();
        if (w.isEmpty()) return found;
        String lower = w.toLowerCase(Locale.ROOT);
        for (TokenRef t : tokens) {
            String vocab = withoutMarker(t.text());
            String original = t.hasSpan() ? text.substring(t.start(), t.end()).strip() : t.text();
            if (vocab.toLowerCase(Locale.ROOT).equals(lower) || original.toLowerCase(Locale.ROOT).equals(lower)) {
                found.add(t.position());
            }
        }
        if (!found.isEmpty()) return found;
        Encoding pieces = tokenizer.encode(w);
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < pieces.length(); i++) if (pieces.hasOffsets(i)) ids.add(pieces.ids()[i]);
        if (ids.isEmpty()) return found;
        for (int start = 0; start + ids.size() <= tokens.size(); start++) {
            boolean match = true;
            for (int k = 0; k < ids.size() && match; k++) match = tokens.get(start + k).id() == ids.get(k);
            if (match) found.add(start);
        }
        return found;
    }

    private static String withoutMarker(String token) {
        if (token.startsWith("##")) return token.substring(2);
        if (token.startsWith("\u0120") || token.startsWith("\u2581")) return token.substring(1);
        return token;
    }
}
