package org.attentionsearch.text;

import java.util.Arrays;

/** The tokens of one text sequence as they are produced: growable parallel arrays. */
final class TokenBuffer {
    int[] ids = new int[32];
    String[] tokens = new String[32];
    int[] starts = new int[32];
    int[] ends = new int[32];
    int size;

    void add(int id, String token, int start, int end) {
        if (size == ids.length) {
            int n = size * 2;
            ids = Arrays.copyOf(ids, n);
            tokens = Arrays.copyOf(tokens, n);
            starts = Arrays.copyOf(starts, n);
            ends = Arrays.copyOf(ends, n);
        }
        ids[size] = id;
        tokens[size] = token;
        starts[size] = start;
        ends[size++] = end;
    }

    /** Drops tokens back to {@code newSize} (a word that turned out to be unknown). */
    void truncate(int newSize) {
        Arrays.fill(tokens, newSize, size, null);
        size = newSize;
    }
}
