package org.attentionsearch.text;

import java.util.Map;

/**
 * The WordPiece model: greedy longest-match-first over a word, continuing pieces looked up with
 * the continuing-subword prefix. A word longer than {@code maxInputCharsPerWord} code points, or
 * one that cannot be covered entirely by vocabulary pieces, becomes a single unknown token.
 */
final class WordPiece {
    private final VocabIndex wordStarts;
    private final VocabIndex continuations;
    private final int unkId;
    private final String unkToken;
    private final int maxInputCharsPerWord;

    WordPiece(Map<String, Integer> vocab, String unkToken, int unkId, String prefix, int maxInputCharsPerWord) {
        this.wordStarts = new VocabIndex(vocab.size());
        this.continuations = new VocabIndex(vocab.size());
        for (Map.Entry<String, Integer> e : vocab.entrySet()) {
            String token = e.getKey();
            wordStarts.put(token, token, e.getValue());
            // "##ing" is found as "ing" at a non-initial position; the reported token keeps its prefix.
            if (token.startsWith(prefix)) {
                continuations.put(token.substring(prefix.length()), token, e.getValue());
            }
        }
        this.unkToken = unkToken;
        this.unkId = unkId;
        this.maxInputCharsPerWord = maxInputCharsPerWord;
    }

    /** Appends the pieces of the word {@code text[from, to)} to {@code out}, with original offsets. */
    void tokenize(NormalizedText text, int from, int to, TokenBuffer out) {
        char[] c = text.chars;
        if (Character.codePointCount(c, from, to - from) > maxInputCharsPerWord) {
            out.add(unkId, unkToken, text.starts[from], text.ends[to - 1]);
            return;
        }
        int mark = out.size;
        int start = from;
        while (start < to) {
            VocabIndex index = start == from ? wordStarts : continuations;
            // Nothing longer than the longest key can match, so start there instead of at the word's end.
            int end = Math.min(to, start + index.maxKeyLength());
            if (end < to && Character.isLowSurrogate(c[end]) && Character.isHighSurrogate(c[end - 1])) {
                end--;
            }
            int slot = -1;
            while (end > start) {
                slot = index.find(c, start, end);
                if (slot >= 0) {
                    break;
                }
                end -= end - 2 >= start && Character.isLowSurrogate(c[end - 1]) && Character.isHighSurrogate(c[end - 2]) ? 2 : 1;
            }
            if (slot < 0) {
                out.truncate(mark);
                out.add(unkId, unkToken, text.starts[from], text.ends[to - 1]);
                return;
            }
            out.add(index.id(slot), index.value(slot), text.starts[start], text.ends[end - 1]);
            start = end;
        }
    }
}
