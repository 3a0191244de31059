package org.attentionsearch.math;

import java.util.Objects;

/** What the matrices kept as stored rows (W's columns) share: reading W's rows back out of them. */
final class StoredRows {
    /** W[i][j]: value i of stored row j. */
    @FunctionalInterface
    interface Value {
        float at(int j, int i);
    }

    private StoredRows() {
    }

    /** Rows [from, from + count) of W [k × n], [count × n] row-major, value by value. */
    static float[] rows(int k, int n, int from, int count, Value w) {
        Objects.checkFromIndexSize(from, count, k);
        float[] out = new float[Math.multiplyExact(count, n)];
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < count; r++) out[r * n + j] = w.at(j, from + r);
        }
        return out;
    }
}
