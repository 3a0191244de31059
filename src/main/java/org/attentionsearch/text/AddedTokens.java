package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

import com.fasterxml.jackson.databind.JsonNode;

/** The {@code added_tokens} of a tokenizer.json and the two matchers they make. */
final class AddedTokens {
    private AddedTokens() {}

    /**
     * The file's added tokens with the ids the reference gives them (the file's "id" fields are only
     * checked there, with a warning): a token that is a vocabulary entry or was added before keeps that
     * id; a new one takes the vocabulary's size (its number of entries), or one more than the largest
     * added id once that is past the vocabulary. A repeated token keeps its id and takes the later flags.
     */
    static List<AddedTokenMatcher.AddedToken> parse(JsonNode n, Map<String, Integer> vocab) {
        List<AddedTokenMatcher.AddedToken> tokens = new ArrayList<>();
        if (Json.isAbsent(n)) {
            return tokens;
        }
        if (!n.isArray()) {
            throw new TokenizerFormatException("The tokenizer file's \"added_tokens\" must be an array.");
        }
        Map<String, Integer> assigned = new java.util.HashMap<>();
        Map<String, Integer> position = new java.util.HashMap<>();
        int maxAdded = -1;
        for (JsonNode t : n) {
            if (!t.isObject() || !t.has("content") || !t.get("content").isTextual()) {
                throw new TokenizerFormatException("Every entry of \"added_tokens\" must be an object with a string \"content\".");
            }
            String content = t.get("content").textValue();
            boolean special = Json.bool(t, "special", false, "added token");
            Json.integer(t, "id", -1, "added token");
            if (content.isEmpty()) {
                continue;
            }
            Integer id = assigned.get(content);
            if (id == null) {
                id = vocab.get(content);
            }
            if (id == null) {
                id = maxAdded < 0 ? vocab.size() : (maxAdded >= vocab.size() ? maxAdded + 1 : vocab.size());
            }
            assigned.put(content, id);
            maxAdded = Math.max(maxAdded, id);
            AddedTokenMatcher.AddedToken token = new AddedTokenMatcher.AddedToken(content, id, special,
                    Json.bool(t, "single_word", false, "added token"), Json.bool(t, "lstrip", false, "added token"),
                    Json.bool(t, "rstrip", false, "added token"), Json.bool(t, "normalized", !special, "added token"));
            Integer at = position.get(content);
            if (at == null) {
                position.put(content, tokens.size());
                tokens.add(token);
            } else {
                tokens.set(at, token);
            }
        }
        return tokens;
    }

    /**
     * The matcher for the raw text (tokens with {@code normalized: false}) and the one for normalized
     * pieces (the others, looked for in their normalized form). Special tokens are tried before other
     * added tokens, each group in file order, as in the reference.
     */
    static AddedTokenMatcher[] matchers(List<AddedTokenMatcher.AddedToken> added, UnaryOperator<String> normalize) {
        List<AddedTokenMatcher.AddedToken> ordered = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (AddedTokenMatcher.AddedToken t : added) {
            if (t.special() && !t.content().isEmpty() && seen.add(t.content())) {
                ordered.add(t);
            }
        }
        for (AddedTokenMatcher.AddedToken t : added) {
            if (!t.content().isEmpty() && seen.add(t.content())) {
                ordered.add(t);
            }
        }
        List<AddedTokenMatcher.AddedToken> raw = new ArrayList<>();
        List<String> rawPatterns = new ArrayList<>();
        List<AddedTokenMatcher.AddedToken> normalized = new ArrayList<>();
        List<String> normalizedPatterns = new ArrayList<>();
        for (AddedTokenMatcher.AddedToken t : ordered) {
            if (t.normalized()) {
                normalized.add(t);
                normalizedPatterns.add(normalize.apply(t.content()));
            } else {
                raw.add(t);
                rawPatterns.add(t.content());
            }
        }
        return new AddedTokenMatcher[] {new AddedTokenMatcher(raw, rawPatterns), new AddedTokenMatcher(normalized, normalizedPatterns)};
    }

    /** {@link #matchers} for a BPE tokenizer's normalizer (null: none). */
    static AddedTokenMatcher[] matchers(List<AddedTokenMatcher.AddedToken> added, TextNormalizer normalizer) {
        return matchers(added, s -> normalizer == null ? s : normalizer.apply(AlignedText.of(s, 0, s.length())).text());
    }
}
