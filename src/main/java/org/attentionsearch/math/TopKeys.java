package org.attentionsearch.math;

/**
 * The k keys with the largest values among those offered, in O(k) memory: a bounded min-heap
 * whose root is the worst key kept. Equal values rank the lower key first, as a stable sort
 * by descending value would, so a page does not depend on the order keys arrive in.
 */
public final class TopKeys {

    private final int capacity;
    private final double[] values;
    private final int[] keys;
    private int size;

    /** Keeps up to {@code capacity} (≥ 0) keys. */
    public TopKeys(int capacity) {
        if (capacity < 0) throw new IllegalArgumentException("capacity " + capacity + " is negative");
        this.capacity = capacity;
        this.values = new double[capacity];
        this.keys = new int[capacity];
    }

    public void clear() {
        size = 0;
    }

    public int size() {
        return size;
    }

    /** Offers key j with value v (not NaN); kept while it is among the largest so far. */
    public void offer(int key, double value) {
        if (size < capacity) {
            values[size] = value;
            keys[size] = key;
            siftUp(size++);
        } else if (capacity > 0 && before(value, key, values[0], keys[0])) {
            values[0] = value;
            keys[0] = key;
            siftDown(0);
        }
    }

    /** The kept keys, best first. */
    public int[] keys() {
        int[] order = order();
        int[] out = new int[size];
        for (int r = 0; r < size; r++) out[r] = keys[order[r]];
        return out;
    }

    /** The kept keys' values, best first (matching {@link #keys()}). */
    public double[] values() {
        int[] order = order();
        double[] out = new double[size];
        for (int r = 0; r < size; r++) out[r] = values[order[r]];
        return out;
    }

    /** Heap slots by rank: an insertion sort, k being small. */
    private int[] order() {
        int[] order = new int[size];
        for (int i = 0; i < size; i++) {
            int j = i;
            while (j > 0 && before(values[i], keys[i], values[order[j - 1]], keys[order[j - 1]])) {
                order[j] = order[j - 1];
                j--;
            }
            order[j] = i;
        }
        return order;
    }

    /** Whether (v, key) ranks before (w, other): larger value, or the same value at a lower key. */
    private static boolean before(double v, int key, double w, int other) {
        return v > w || (v == w && key < other);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!before(values[parent], keys[parent], values[i], keys[i])) break;
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int worst = i, left = 2 * i + 1, right = left + 1;
            if (left < size && before(values[worst], keys[worst], values[left], keys[left])) worst = left;
            if (right < size && before(values[worst], keys[worst], values[right], keys[right])) worst = right;
            if (worst == i) return;
            swap(i, worst);
            i = worst;
        }
    }

    private void swap(int a, int b) {
        double v = values[a];
        values[a] = values[b];
        values[b] = v;
        int k = keys[a];
        keys[a] = keys[b];
        keys[b] = k;
    }
}
