package org.attentionsearch.text;

import java.util.Arrays;
import java.util.Objects;

/**
 * The tokens of one text (or text pair): vocabulary ids, token type (segment) ids, token strings,
 * and for each token the span {@code [starts[i], ends[i])} of the original text it came from, in
 * Java {@code String} indices (UTF-16 units). Special tokens added by the template have no span:
 * {@code starts[i] == ends[i] == -1}. For a pair, spans of the second sequence index the second text.
 * <p>The arrays are shared, not copied; treat them as read-only.
 */
public record Encoding(int[] ids, int[] typeIds, String[] tokens, int[] starts, int[] ends) {

    public Encoding {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(typeIds, "typeIds");
        Objects.requireNonNull(tokens, "tokens");
        Objects.requireNonNull(starts, "starts");
        Objects.requireNonNull(ends, "ends");
        int n = ids.length;
        if (typeIds.length != n || tokens.length != n || starts.length != n || ends.length != n) {
            throw new IllegalArgumentException("all arrays of an encoding must have the same length");
        }
    }

    public int length() {
        return ids.length;
    }

    /** Whether token {@code i} comes from the text (as opposed to a special token added by the template). */
    public boolean hasOffsets(int i) {
        return starts[i] >= 0;
    }

    /**
     * At most {@code maxLength} tokens: keeps the template's leading/trailing special tokens (e.g.
     * {@code [CLS] … [SEP]}) and drops text tokens from the end. For a pair, the sequences are cut
     * with Hugging Face's longest-first rule (the longer one first, evenly once both are too long).
     *
     * @throws IllegalArgumentException if {@code maxLength} cannot even hold the special tokens
     */
    public Encoding truncate(int maxLength) {
        if (maxLength < 0) {
            throw new IllegalArgumentException("maxLength must not be negative: " + maxLength);
        }
        int n = length();
        if (n <= maxLength) {
            return this;
        }
        // Text sequences are the runs of tokens that have offsets (a change of type id also starts a new run).
        int[] runOf = new int[n];
        int runs = 0;
        int specials = 0;
        for (int i = 0; i < n; i++) {
            if (!hasOffsets(i)) {
                runOf[i] = -1;
                specials++;
            } else {
                if (i == 0 || !hasOffsets(i - 1) || typeIds[i - 1] != typeIds[i]) {
                    runs++;
                }
                runOf[i] = runs - 1;
            }
        }
        if (maxLength < specials) {
            throw new IllegalArgumentException("maxLength " + maxLength + " cannot hold the " + specials + " special tokens");
        }
        int[] lengths = new int[runs];
        for (int r : runOf) {
            if (r >= 0) {
                lengths[r]++;
            }
        }
        int[] keep = keptLengths(lengths, maxLength - specials);

        int m = specials;
        for (int k : keep) {
            m += k;
        }
        int[] newIds = new int[m];
        int[] newTypes = new int[m];
        String[] newTokens = new String[m];
        int[] newStarts = new int[m];
        int[] newEnds = new int[m];
        int[] seen = new int[runs];
        int j = 0;
        for (int i = 0; i < n; i++) {
            int r = runOf[i];
            if (r >= 0 && seen[r]++ >= keep[r]) {
                continue;
            }
            newIds[j] = ids[i];
            newTypes[j] = typeIds[i];
            newTokens[j] = tokens[i];
            newStarts[j] = starts[i];
            newEnds[j] = ends[i];
            j++;
        }
        return new Encoding(newIds, newTypes, newTokens, newStarts, newEnds);
    }

    /** How many tokens of each run to keep within {@code budget}. */
    private static int[] keptLengths(int[] lengths, int budget) {
        int[] keep = lengths.clone();
        if (lengths.length == 1) {
            keep[0] = Math.min(lengths[0], budget);
        } else if (lengths.length == 2) {
            // Hugging Face's longest_first: cut only the longer one if that suffices, otherwise split evenly.
            boolean swap = lengths[0] > lengths[1];
            int n1 = swap ? lengths[1] : lengths[0];
            int n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
            if (n1 + n2 > budget) {
                n1 = budget / 2;
                n2 = n1 + budget % 2;
            }
            keep[0] = Math.min(lengths[0], swap ? n2 : n1);
            keep[1] = Math.min(lengths[1], swap ? n1 : n2);
        } else {
            int total = 0;
            for (int k : keep) {
                total += k;
            }
            while (total > budget) {
                int longest = 0;
                for (int r = 1; r < keep.length; r++) {
                    if (keep[r] >= keep[longest]) {
                        longest = r;
                    }
                }
                keep[longest]--;
                total--;
            }
        }
        return keep;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e
                && Arrays.equals(ids, e.ids) && Arrays.equals(typeIds, e.typeIds) && Arrays.equals(tokens, e.tokens)
                && Arrays.equals(starts, e.starts) && Arrays.equals(ends, e.ends);
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(ids), Arrays.hashCode(typeIds), Arrays.hashCode(tokens),
                Arrays.hashCode(starts), Arrays.hashCode(ends));
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("Encoding[");
        for (int i = 0; i < length(); i++) {
            if (i > 0) {
                s.append(", ");
            }
            s.append(tokens[i]).append('/').append(ids[i]);
            if (typeIds[i] != 0) {
                s.append(" t").append(typeIds[i]);
            }
            if (hasOffsets(i)) {
                s.append(" @").append(starts[i]).append('-').append(ends[i]);
            }
        }
        return s.append(']').toString();
    }
}
