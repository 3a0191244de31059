package org.attentionsearch.text;

import java.util.HashMap;
import java.util.Map;

/**
 * Ids by token string, without a boxed map entry per token: an open-addressing table of ids over
 * the tokens-by-id array, which already holds every string (for a 50,000-token vocabulary about
 * half a megabyte, where a {@code HashMap<String, Integer>} takes about three). A string that
 * names an id whose token is another string (a tokenizer.json entry whose id an added token took
 * over) is kept in a small map beside the table.
 */
final class TokenIds {
    private final String[] tokens;
    /** id + 1 of the token hashed here, 0 where empty; linear probing, at most half full. */
    private final int[] slots;
    private final int shift;
    private final Map<String, Integer> others;
    /** The first id whose string an earlier id has too, or -1. */
    private int repeated = -1;

    private TokenIds(String[] tokens, Map<String, Integer> others) {
        this.tokens = tokens;
        int bits = Integer.numberOfTrailingZeros(Integer.highestOneBit(Math.max(2, tokens.length) * 2 - 1) << 1);
        this.slots = new int[1 << bits];
        this.shift = 32 - bits;
        this.others = others;
    }

    /** The ids of the non-null strings of {@code tokens}, each its index; see {@link #repeated()}. */
    static TokenIds of(String[] tokens) {
        TokenIds t = new TokenIds(tokens, Map.of());
        for (int id = 0; id < tokens.length; id++) {
            if (tokens[id] != null && !t.insert(id) && t.repeated < 0) t.repeated = id;
        }
        return t;
    }

    /** The first id whose string an earlier id has too (it is not found by its string), or -1. */
    int repeated() {
        return repeated;
    }

    /** The ids of {@code ids}' strings, where {@code tokens[id]} is mostly the same string. */
    static TokenIds of(String[] tokens, Map<String, Integer> ids) {
        TokenIds t = new TokenIds(tokens, new HashMap<>());
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            int id = e.getValue();
            if (!e.getKey().equals(tokens[id]) || !t.insert(id)) t.others.put(e.getKey(), id);
        }
        return t;
    }

    /** The id of {@code token}, or -1 if it is none. */
    int idOf(String token) {
        for (int s = slot(token); slots[s] != 0; s = (s + 1) & (slots.length - 1)) {
            if (tokens[slots[s] - 1].equals(token)) return slots[s] - 1;
        }
        Integer id = others.isEmpty() ? null : others.get(token);
        return id == null ? -1 : id;
    }

    /** Adds id under its string; false if that string is there already. */
    private boolean insert(int id) {
        int s = slot(tokens[id]);
        for (; slots[s] != 0; s = (s + 1) & (slots.length - 1)) {
            if (tokens[slots[s] - 1].equals(tokens[id])) return false;
        }
        slots[s] = id + 1;
        return true;
    }

    /** Fibonacci hashing: the product's top bits depend on all of String's hash. */
    private int slot(String token) {
        return (token.hashCode() * 0x9E3779B9) >>> shift;
    }
}
