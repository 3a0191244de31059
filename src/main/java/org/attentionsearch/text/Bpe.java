package org.attentionsearch.text;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Hugging Face's BPE model: a word (one pre-tokenized piece) starts as its characters and merges
 * adjacent pairs, always the pair of lowest rank first (leftmost among equals), until no known pair
 * is left. Characters missing from the vocabulary become {@code <0xNN>} byte tokens when
 * {@code byte_fallback} is on, else the unknown token (consecutive ones fused into one when
 * {@code fuse_unk} is on), else nothing. With {@code ignore_merges}, a word that is itself in the
 * vocabulary is one token. Results per word are cached.
 * <p>Immutable apart from its cache; safe for concurrent use.
 */
final class Bpe {

    /** The tokens of one word: ids with their spans {@code [start, end)} in the word's code points. */
    record Word(int[] ids, int[] starts, int[] ends) {}

    private static final int CACHE_LIMIT = 50_000;
    private static final int CACHED_WORD_LENGTH = 256;

    private final Map<String, Integer> vocab;
    private final PairMerges merges;
    private final Integer unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final boolean ignoreMerges;
    private final String prefix;
    private final String suffix;
    private final int[] byteTokens = new int[256];
    private final ConcurrentHashMap<String, Word> cache = new ConcurrentHashMap<>();

    /**
     * @param merges pairs of token strings in rank order; the merged token is {@code left + right}
     *               (without the continuing-subword prefix of the right part)
     * @throws TokenizerFormatException if a merge refers to a token missing from the vocabulary
     */
    Bpe(Map<String, Integer> vocab, List<String[]> merges, String unkToken, boolean fuseUnk, boolean byteFallback,
        boolean ignoreMerges, String continuingSubwordPrefix, String endOfWordSuffix) {
        this.vocab = vocab;
        this.fuseUnk = fuseUnk;
        this.byteFallback = byteFallback;
        this.ignoreMerges = ignoreMerges;
        this.prefix = continuingSubwordPrefix == null || continuingSubwordPrefix.isEmpty() ? null : continuingSubwordPrefix;
        this.suffix = endOfWordSuffix == null || endOfWordSuffix.isEmpty() ? null : endOfWordSuffix;
        unkId = unkToken == null ? null : vocab.get(unkToken);
        if (unkToken != null && unkId == null) {
            throw new TokenizerFormatException("The unknown token \"" + Excerpt.of(unkToken) + "\" is not in the vocabulary.");
        }
        int prefixLength = prefix == null ? 0 : prefix.length();
        this.merges = new PairMerges(merges.size());
        for (int rank = 0; rank < merges.size(); rank++) {
            String a = merges.get(rank)[0];
            String b = merges.get(rank)[1];
            Integer left = vocab.get(a);
            Integer right = vocab.get(b);
            if (left == null || right == null) {
                throw new TokenizerFormatException("The merge \"" + Excerpt.of(a + " " + b) + "\" (rank " + rank
                        + ") uses a token that is not in the vocabulary.");
            }
            String merged = a + (b.length() >= prefixLength ? b.substring(prefixLength) : b);
            Integer id = vocab.get(merged);
            if (id == null) {
                throw new TokenizerFormatException("The merge \"" + Excerpt.of(a + " " + b) + "\" (rank " + rank
                        + ") makes \"" + merged + "\", which is not in the vocabulary.");
            }
            this.merges.put(left, right, rank, id);
        }
        for (int b = 0; b < 256; b++) {
            Integer id = vocab.get(String.format("<0x%02X>", b));
            byteTokens[b] = id == null ? -1 : id;
        }
    }

    /** Tokens of the word made of code points {@code cps[0, length)}. */
    Word tokenize(int[] cps, int length) {
        if (length == 0) {
            return new Word(new int[0], new int[0], new int[0]);
        }
        String key = new String(cps, 0, length);
        if (ignoreMerges) {
            Integer id = vocab.get(key);
            if (id != null) {
                return new Word(new int[] {id}, new int[] {0}, new int[] {length});
            }
        }
        Word w = cache.get(key);
        if (w == null) {
            w = merge(cps, length);
            if (key.length() < CACHED_WORD_LENGTH) {
                if (cache.size() >= CACHE_LIMIT) {
                    cache.clear();
                }
                cache.put(key, w);
            }
        }
        return w;
    }

    private Word merge(int[] cps, int length) {
        // Symbols: id, span in code points, and a doubly linked list over their positions.
        int extra = (prefix == null ? 0 : prefix.getBytes(StandardCharsets.UTF_8).length)
                + (suffix == null ? 0 : suffix.getBytes(StandardCharsets.UTF_8).length);
        int cap = length * (4 + extra) + 4;
        int[] ids = new int[cap];
        int[] starts = new int[cap];
        int[] ends = new int[cap];
        int n = 0;
        int unkStart = -1;
        int unkEnd = -1;
        for (int k = 0; k < length; k++) {
            String s = Character.toString(cps[k]);
            if (k > 0 && prefix != null) {
                s = prefix + s;
            }
            if (k == length - 1 && suffix != null) {
                s = s + suffix;
            }
            Integer id = vocab.get(s);
            if (id != null) {
                if (unkStart >= 0) {
                    n = add(ids, starts, ends, n, unkId, unkStart, unkEnd);
                    unkStart = -1;
                }
                n = add(ids, starts, ends, n, id, k, k + 1);
                continue;
            }
            if (byteFallback) {
                byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
                boolean all = true;
                for (byte b : bytes) {
                    all &= byteTokens[b & 0xFF] >= 0;
                }
                if (all) {
                    // Each byte token spans the whole character it comes from.
                    for (byte b : bytes) {
                        n = add(ids, starts, ends, n, byteTokens[b & 0xFF], k, k + 1);
                    }
                    continue;
                }
            }
            if (unkId != null) {
                if (unkStart >= 0 && fuseUnk) {
                    unkEnd = k + 1;
                } else {
                    if (unkStart >= 0) {
                        n = add(ids, starts, ends, n, unkId, unkStart, unkEnd);
                    }
                    unkStart = k;
                    unkEnd = k + 1;
                }
            }
        }
        if (unkStart >= 0) {
            n = add(ids, starts, ends, n, unkId, unkStart, unkEnd);
        }
        mergeAll(ids, starts, ends, n);
        int kept = 0;
        for (int k = 0; k < n; k++) {
            if (ids[k] >= 0) {
                ids[kept] = ids[k];
                starts[kept] = starts[k];
                ends[kept++] = ends[k];
            }
        }
        return new Word(Arrays.copyOf(ids, kept), Arrays.copyOf(starts, kept), Arrays.copyOf(ends, kept));
    }

    private static int add(int[] ids, int[] starts, int[] ends, int n, int id, int start, int end) {
        ids[n] = id;
        starts[n] = start;
        ends[n] = end;
        return n + 1;
    }

    /**
     * The merge loop of the reference, step for step: a min-queue of (rank, position, new id); an entry
     * is stale when its left symbol is gone, has no right neighbour, or the current pair no longer
     * makes the same token. Merged-away symbols get id -1.
     */
    private void mergeAll(int[] ids, int[] starts, int[] ends, int n) {
        if (n < 2) {
            return;
        }
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int k = 0; k < n; k++) {
            prev[k] = k - 1;
            next[k] = k + 1 < n ? k + 1 : -1;
        }
        MergeQueue queue = new MergeQueue(n);
        for (int k = 0; k + 1 < n; k++) {
            pushPair(queue, ids, k, k + 1);
        }
        while (!queue.isEmpty()) {
            int pos = queue.topPosition();
            int newId = queue.topNewId();
            queue.pop();
            if (ids[pos] < 0 || next[pos] < 0) {
                continue;
            }
            int right = next[pos];
            long current = merges.get(ids[pos], ids[right]);
            if (current == PairMerges.NONE || PairMerges.newId(current) != newId) {
                continue;
            }
            ids[pos] = newId;
            ends[pos] = ends[right];
            next[pos] = next[right];
            ids[right] = -1;
            if (next[right] >= 0) {
                prev[next[right]] = pos;
            }
            if (prev[pos] >= 0) {
                pushPair(queue, ids, prev[pos], pos);
            }
            if (next[pos] >= 0) {
                pushPair(queue, ids, pos, next[pos]);
            }
        }
    }

    /** Queues the merge of symbols {@code left} and {@code right}, if their pair has one. */
    private void pushPair(MergeQueue queue, int[] ids, int left, int right) {
        long m = merges.get(ids[left], ids[right]);
        if (m != PairMerges.NONE) {
            queue.push(PairMerges.rank(m), left, PairMerges.newId(m));
        }
    }

    /** Binary min-heap of merge candidates ordered by rank, then position. */
    private static final class MergeQueue {
        private long[] keys;
        private int[] newIds;
        private int size;

        MergeQueue(int capacity) {
            keys = new long[Math.max(4, capacity)];
            newIds = new int[keys.length];
        }

        boolean isEmpty() {
            return size == 0;
        }

        int topPosition() {
            return (int) keys[0];
        }

        int topNewId() {
            return newIds[0];
        }

        void push(int rank, int pos, int newId) {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                newIds = Arrays.copyOf(newIds, size * 2);
            }
            long key = ((long) rank << 32) | pos;
            int k = size++;
            while (k > 0) {
                int parent = (k - 1) >>> 1;
                if (keys[parent] <= key) {
                    break;
                }
                keys[k] = keys[parent];
                newIds[k] = newIds[parent];
                k = parent;
            }
            keys[k] = key;
            newIds[k] = newId;
        }

        void pop() {
            long key = keys[--size];
            int id = newIds[size];
            int k = 0;
            while (true) {
                int child = 2 * k + 1;
                if (child >= size) {
                    break;
                }
                if (child + 1 < size && keys[child + 1] < keys[child]) {
                    child++;
                }
                if (keys[child] >= key) {
                    break;
                }
                keys[k] = keys[child];
                newIds[k] = newIds[child];
                k = child;
            }
            keys[k] = key;
            newIds[k] = id;
        }
    }

    /** Pair of ids to (rank, merged id), open addressing on a long key; a later duplicate pair replaces the earlier. */
    static final class PairMerges {
        static final long NONE = -1;
        private final long[] keys;
        private final long[] values;
        private final int mask;

        PairMerges(int expected) {
            int capacity = Integer.highestOneBit(Math.max(4, expected) * 2 - 1) << 1;
            keys = new long[capacity];
            values = new long[capacity];
            Arrays.fill(keys, -1);
            mask = capacity - 1;
        }

        private static long key(int left, int right) {
            return ((long) left << 32) | (right & 0xFFFFFFFFL);
        }

        private int slot(long key) {
            long h = key * 0x9E3779B97F4A7C15L;
            return (int) (h ^ (h >>> 29)) & mask;
        }

        void put(int left, int right, int rank, int newId) {
            long key = key(left, right);
            int s = slot(key);
            while (keys[s] != -1 && keys[s] != key) {
                s = (s + 1) & mask;
            }
            keys[s] = key;
            values[s] = ((long) rank << 32) | (newId & 0xFFFFFFFFL);
        }

        long get(int left, int right) {
            if (left < 0 || right < 0) {
                return NONE;
            }
            long key = key(left, right);
            int s = slot(key);
            long k;
            while ((k = keys[s]) != -1) {
                if (k == key) {
                    return values[s];
                }
                s = (s + 1) & mask;
            }
            return NONE;
        }

        static int rank(long value) {
            return (int) (value >>> 32);
        }

        static int newId(long value) {
            return (int) value;
        }
    }
}
