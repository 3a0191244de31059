package org.attentionsearch.text;

/**
 * A string-to-id table that is queried with a slice of a {@code char[]}, so WordPiece's many
 * candidate lookups per word allocate nothing. Open addressing with linear probing.
 */
final class VocabIndex {
    private final char[][] keys;
    private final String[] values;
    private final int[] ids;
    private final int mask;
    private int maxKeyLength;

    VocabIndex(int expectedSize) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedSize) * 2 - 1) << 1;
        keys = new char[capacity][];
        values = new String[capacity];
        ids = new int[capacity];
        mask = capacity - 1;
    }

    /** Maps {@code key} to {@code id}; {@code value} is the token string reported for it. A repeated key is replaced. */
    void put(String key, String value, int id) {
        char[] k = key.toCharArray();
        int slot = hash(k, 0, k.length) & mask;
        while (keys[slot] != null && !equal(keys[slot], k, 0, k.length)) {
            slot = (slot + 1) & mask;
        }
        keys[slot] = k;
        values[slot] = value;
        ids[slot] = id;
        maxKeyLength = Math.max(maxKeyLength, k.length);
    }

    /** The slot holding {@code buf[from, to)}, or -1 if that string is not a key. */
    int find(char[] buf, int from, int to) {
        int len = to - from;
        if (len > maxKeyLength) {
            return -1;
        }
        int slot = hash(buf, from, to) & mask;
        char[] k;
        while ((k = keys[slot]) != null) {
            if (k.length == len && equal(k, buf, from, len)) {
                return slot;
            }
            slot = (slot + 1) & mask;
        }
        return -1;
    }

    int id(int slot) {
        return ids[slot];
    }

    String value(int slot) {
        return values[slot];
    }

    /** Longest key in UTF-16 units: no candidate longer than this can match. */
    int maxKeyLength() {
        return maxKeyLength;
    }

    private static int hash(char[] buf, int from, int to) {
        int h = 0;
        for (int i = from; i < to; i++) {
            h = 31 * h + buf[i];
        }
        h *= 0x9E3779B9;
        return h ^ (h >>> 15);
    }

    private static boolean equal(char[] key, char[] buf, int from, int len) {
        if (key.length != len) {
            return false;
        }
        for (int i = 0; i < len; i++) {
            if (key[i] != buf[from + i]) {
                return false;
            }
        }
        return true;
    }
}
