package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.WeakHashMap;

import org.attentionsearch.math.Vectors;
import org.attentionsearch.model.blocks.Embedding;

/** Cosine similarity and nearest rows of a row-major table of vectors. */
final class EmbeddingSpace {

    /** Row norms of large tables (the vocabulary), computed once per table. */
    private static final Map<Embedding, float[]> NORMS = Collections.synchronizedMap(new WeakHashMap<>());

    private EmbeddingSpace() {
    }

    static double cosine(float[] a, int aOff, float[] b, int bOff, int len) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < len; i++) {
            double x = a[aOff + i], y = b[bOff + i];
            dot += x * y;
            na += x * x;
            nb += y * y;
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    /** The k rows of {@code table} [rows × len] most cosine-similar to v, best first: {row, cosine}. */
    static List<double[]> nearest(float[] v, float[] table, int rows, int len, int k) {
        Embedding t = new Embedding.Table(table, table.length / len, len);
        return nearest(v, t.dots(v), rows, k, t.norms());
    }

    /** The k of the first {@code rows} rows of a model's embedding table most cosine-similar to v; norms cached per table. */
    static List<double[]> nearest(float[] v, Embedding table, int rows, int k) {
        return nearest(v, table.dots(v), rows, k, NORMS.computeIfAbsent(table, Embedding::norms));
    }

    private static List<double[]> nearest(float[] v, float[] dots, int rows, int k, float[] norms) {
        double vn = Math.sqrt(Vectors.dot(v, 0, v, 0, v.length));
        PriorityQueue<double[]> best = new PriorityQueue<>((a, b) -> Double.compare(a[1], b[1]));
        for (int r = 0; r < rows; r++) {
            if (norms[r] == 0 || vn == 0) continue;
            double cos = dots[r] / (vn * norms[r]);
            if (best.size() < k) best.add(new double[] {r, cos});
            else if (cos > best.peek()[1]) {
                best.poll();
                best.add(new double[] {r, cos});
            }
        }
        List<double[]> out = new ArrayList<>(best);
        out.sort((a, b) -> Double.compare(b[1], a[1]));
        return out;
    }

}
