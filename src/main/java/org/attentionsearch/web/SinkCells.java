package org.attentionsearch.web;

import java.io.IOException;

import com.fasterxml.jackson.core.JsonGenerator;
import org.attentionsearch.model.AttentionMask;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Sinks;

/**
 * Where the sinks are in every head's attention map, for the grid: per layer and head, the
 * (query, key) cells whose key is a sink for that query under that head — the rule of
 * {@link Sinks}, with the value norms ‖α_ij f(x_j)‖ the head's pages use, so a cell is marked
 * exactly when that query's page marks the key. Written for exact maps only (texts up to the
 * map size), as "attentionSinks": {"cells": [layer][head][q0, k0, q1, k1, …]}.
 */
final class SinkCells {

    private SinkCells() {
    }

    static void write(JsonGenerator g, Analysis a) throws IOException {
        ModelConfig c = a.config();
        int n = a.length(), hidden = c.hiddenSize();
        g.writeObjectFieldStart("attentionSinks");
        g.writeArrayFieldStart("cells");
        float[] w = new float[n], v = new float[n];
        for (int l = 0; l < c.layers(); l++) {
            float[] weights = a.trace().layer(l, "attention.weights");
            float[] f = a.valueVectors(l); // [heads, n, hidden]
            AttentionMask mask = a.model().attention(l).mask();
            g.writeStartArray();
            for (int h = 0; h < c.heads(); h++) {
                float[] norm = new float[n];
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    int o = (h * n + j) * hidden;
                    for (int x = 0; x < hidden; x++) s += (double) f[o + x] * f[o + x];
                    norm[j] = (float) Math.sqrt(s);
                }
                g.writeStartArray();
                for (int i = 0; i < n; i++) {
                    int row = (h * n + i) * n, first = mask.firstVisible(i), keys = mask.visibleKeys(i, n);
                    for (int j = 0; j < n; j++) {
                        w[j] = weights[row + j];
                        v[j] = w[j] * norm[j];
                    }
                    boolean[] sink = Sinks.mark(w, v, first, keys);
                    for (int k = 0; k < keys; k++) {
                        if (sink[k]) {
                            g.writeNumber(i);
                            g.writeNumber(first + k);
                        }
                    }
                }
                g.writeEndArray();
            }
            g.writeEndArray();
        }
        g.writeEndArray();
        g.writeEndObject();
    }
}
