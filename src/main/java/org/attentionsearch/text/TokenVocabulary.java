package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A tokenizer's token strings by id and ids by string, which ids are special (stand for no text),
 * and the ids that begin, end and stop a sequence: what every {@link Tokenizer} answers about its
 * vocabulary, whatever its algorithm.
 * <p>Immutable; the arrays and the index it is given are its own from then on.
 */
final class TokenVocabulary {

    /** Ids a vocabulary may leave unused beyond twice its tokens. */
    private static final int MAX_GAP = 1 << 16;

    private final String[] tokens;          // by id; null where no token has the id
    private final TokenIds ids;
    private final boolean[] special;        // by id
    private final int bos;                  // -1: none; likewise eos
    private final int eos;
    private final int[] stopIds;

    TokenVocabulary(String[] tokens, TokenIds ids, boolean[] special, int bos, int eos, int[] stopIds) {
        this.tokens = tokens;
        this.ids = ids;
        this.special = special;
        this.bos = bos;
        this.eos = eos;
        this.stopIds = stopIds;
    }

    /**
     * A tokenizer.json's vocabulary: the model's entries, then its added tokens, which take over the
     * strings of ids they share with entries and are special as the file marks them. No BOS, EOS or
     * stop ids yet ({@link #withSequenceIds}).
     */
    static TokenVocabulary of(Map<String, Integer> vocab, List<AddedTokenMatcher.AddedToken> added) {
        int maxId = -1;
        for (int id : vocab.values()) {
            maxId = Math.max(maxId, id);
        }
        for (AddedTokenMatcher.AddedToken t : added) {
            maxId = Math.max(maxId, t.id());
        }
        // Ids index arrays: a largest id far beyond the number of tokens would size them by a
        // number the file does not back (real vocabularies are dense, with few gaps if any).
        long count = vocab.size() + (long) added.size();
        if (maxId > 2 * count + MAX_GAP) {
            throw new TokenizerFormatException("The vocabulary's largest id is " + maxId + ", far beyond its " + count + " tokens.");
        }
        String[] tokens = new String[maxId + 1];
        boolean[] special = new boolean[maxId + 1];
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            tokens[e.getValue()] = e.getKey();
        }
        Map<String, Integer> ids = new HashMap<>(vocab);
        for (AddedTokenMatcher.AddedToken t : added) {
            tokens[t.id()] = t.content();
            ids.put(t.content(), t.id());
            special[t.id()] |= t.special();
        }
        return new TokenVocabulary(tokens, TokenIds.of(tokens, ids), special, -1, -1, new int[0]);
    }

    /** The same tokens with these sequence ids (-1: none). */
    TokenVocabulary withSequenceIds(int bos, int eos, int[] stopIds) {
        return new TokenVocabulary(tokens, ids, special, bos, eos, stopIds);
    }

    /** Number of ids: one more than the largest. */
    int size() {
        return tokens.length;
    }

    /** @throws IllegalArgumentException if no token has that id */
    String token(int id) {
        if (id < 0 || id >= tokens.length || tokens[id] == null) {
            throw new IllegalArgumentException("No token has id " + id + ".");
        }
        return tokens[id];
    }

    OptionalInt id(String token) {
        int id = ids.idOf(token);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The id of a token string, or -1 if it is none. */
    int idOf(String token) {
        return ids.idOf(token);
    }

    /** False for ids no token has. */
    boolean isSpecial(int id) {
        return id >= 0 && id < special.length && special[id];
    }

    OptionalInt bos() {
        return bos < 0 ? OptionalInt.empty() : OptionalInt.of(bos);
    }

    OptionalInt eos() {
        return eos < 0 ? OptionalInt.empty() : OptionalInt.of(eos);
    }

    int[] stopIds() {
        return stopIds.clone();
    }

    /**
     * The token strings of {@code ids} in order, what a tokenizer.json's decoder takes: ids no token
     * has are left out, and with {@code skipSpecial} the special ones too.
     */
    List<String> tokens(int[] ids, boolean skipSpecial) {
        List<String> out = new ArrayList<>(ids.length);
        for (int id : ids) {
            if (id >= 0 && id < tokens.length && tokens[id] != null && !(skipSpecial && special[id])) {
                out.add(tokens[id]);
            }
        }
        return out;
    }
}
