package org.attentionsearch.model;

import java.util.List;

/**
 * Token sequences of different lengths packed back to back ("ragged"): sequence b owns the
 * rows start(b) … start(b)+length(b)−1 of every activation matrix. Attention never crosses
 * from one sequence into another, which is exactly what a padding mask achieves, without
 * spending work on padding.
 */
public final class Batch {

    private final int[] ids;
    private final int[] typeIds;
    private final int[] starts;
    private final int[] lengths;
    private final int[] positions;

    public Batch(List<int[]> ids, List<int[]> typeIds) {
        this(ids, typeIds, 0);
    }

    /**
     * One sequence that continues where {@code past} tokens left off (in a {@link KeyValueCache}):
     * its rows are at positions past, past+1, …
     */
    public static Batch continuing(int[] ids, int past) {
        if (past < 0) throw new IllegalArgumentException("a negative number of past tokens: " + past);
        return new Batch(List.of(ids), null, past);
    }

    private Batch(List<int[]> ids, List<int[]> typeIds, int past) {
        if (ids.isEmpty()) throw new IllegalArgumentException("a batch needs at least one sequence");
        if (typeIds != null && typeIds.size() != ids.size()) {
            throw new IllegalArgumentException("ids and type ids differ in count");
        }
        int n = ids.size();
        starts = new int[n];
        lengths = new int[n];
        int total = 0;
        for (int b = 0; b < n; b++) {
            int len = ids.get(b).length;
            if (len == 0) throw new IllegalArgumentException("sequence " + b + " is empty");
            if (typeIds != null && typeIds.get(b).length != len) {
                throw new IllegalArgumentException("sequence " + b + ": ids and type ids differ in length");
            }
            starts[b] = total;
            lengths[b] = len;
            total += len;
        }
        this.ids = new int[total];
        this.typeIds = new int[total];
        this.positions = new int[total];
        for (int b = 0; b < n; b++) {
            System.arraycopy(ids.get(b), 0, this.ids, starts[b], lengths[b]);
            for (int i = 0; i < lengths[b]; i++) positions[starts[b] + i] = past + i;
            if (typeIds != null) System.arraycopy(typeIds.get(b), 0, this.typeIds, starts[b], lengths[b]);
        }
    }

    public static Batch of(int[]... ids) {
        return new Batch(List.of(ids), null);
    }

    public int size() {
        return starts.length;
    }

    public int rows() {
        return ids.length;
    }

    public int start(int b) {
        return starts[b];
    }

    public int length(int b) {
        return lengths[b];
    }

    /** Token id of row r (a row of the packed batch). */
    public int id(int row) {
        return ids[row];
    }

    public int typeId(int row) {
        return typeIds[row];
    }

    /** Position of row r inside its own sequence (0 for its first token, unless the batch continues a cache). */
    public int position(int row) {
        return positions[row];
    }

    /** One past the largest position of any row: the positions a pass must cover. */
    public int endPosition() {
        int m = 0;
        for (int p : positions) m = Math.max(m, p + 1);
        return m;
    }

    /** The longest sequence. */
    public int maxLength() {
        int m = 0;
        for (int len : lengths) m = Math.max(m, len);
        return m;
    }
}
