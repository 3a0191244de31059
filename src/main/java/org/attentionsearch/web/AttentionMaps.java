package org.attentionsearch.web;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerator;
import org.attentionsearch.search.Analysis;

/**
 * Every head's attention weights, for the model-at-a-glance grid. A map of a short text is
 * exact (rounded to 3 decimals, enough for a picture); a longer text's maps are pooled into
 * m × m blocks holding each block's largest weight. The side m is at most {@code maxSide}, and
 * small enough that all layers × heads maps together hold at most {@code maxTotalCells} cells:
 * a cell is at most 6 bytes of JSON ("0.123,"), so the maps' size is bounded whatever the
 * text and however many heads the model has.
 */
final class AttentionMaps {

    private AttentionMaps() {
    }

    /** The map side for n tokens and a number of maps: min(n, maxSide, ⌊√(maxTotalCells / maps)⌋), at least 1. */
    static int side(int n, int maps, int maxSide, int maxTotalCells) {
        int byBudget = (int) Math.sqrt((double) maxTotalCells / maps);
        return Math.max(1, Math.min(n, Math.min(maxSide, byBudget)));
    }

    static void write(JsonGenerator g, Analysis a, int maxSide, int maxTotalCells) throws IOException {
        int layers = a.config().layers(), heads = a.config().heads();
        int n = a.length(), m = side(n, layers * heads, maxSide, maxTotalCells);
        g.writeObjectFieldStart("attention");
        g.writeNumberField("tokens", n);
        g.writeNumberField("cells", m);
        g.writeArrayFieldStart("weights");
        for (int l = 0; l < layers; l++) {
            float[] all = a.trace().layer(l, "attention.weights");
            g.writeStartArray();
            for (int h = 0; h < heads; h++) {
                g.writeStartArray();
                for (int bi = 0; bi < m; bi++) {
                    for (int bj = 0; bj < m; bj++) g.writeNumber(permille(blockMax(all, h, n, m, bi, bj)));
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** Cell b covers tokens [b·n/m, (b+1)·n/m); with m = n it is token b itself. */
    private static float blockMax(float[] all, int head, int n, int m, int bi, int bj) {
        int i0 = bi * n / m, i1 = (bi + 1) * n / m, j0 = bj * n / m, j1 = (bj + 1) * n / m;
        float max = 0;
        int base = head * n * n;
        for (int i = i0; i < i1; i++) {
            for (int j = j0; j < j1; j++) max = Math.max(max, all[base + i * n + j]);
        }
        return max;
    }

    /** 0.1234 → "0.123", 0.0004 → "0": short numbers keep the maps small. */
    static String permille(float w) {
        int v = Math.round(w * 1000);
        if (v <= 0) return "0";
        if (v >= 1000) return "1";
        String digits = Integer.toString(v);
        String s = "0." + "0".repeat(3 - digits.length()) + digits;
        int end = s.length();
        while (s.charAt(end - 1) == '0') end--;
        return s.substring(0, end);
    }
}
