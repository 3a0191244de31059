package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.attentionsearch.math.Scalar;
import org.attentionsearch.math.Vectors;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TraceTest {

    private static Model bert;
    private static Trace trace;
    private static Output plain;

    @BeforeAll
    static void run() {
        bert = TestModels.MINILM.model();
        List<Encoding> texts = List.of(bert.tokenizer().encode("The bank raised rates after the river flooded"),
                bert.tokenizer().encode("Short one"));
        trace = bert.forward(texts, true).trace(0);
        plain = bert.forward(texts, false);
    }

    @Test
    void everyNameHasItsDocumentedShape() {
        ModelConfig c = bert.config();
        int n = trace.length(), h = c.hiddenSize(), heads = c.heads(), d = c.headSize();
        assertEquals(1 + 11 * c.layers(), trace.names().size());
        for (String name : trace.names()) {
            Tensor t = trace.get(name);
            int[] expected;
            if (name.endsWith("scores") || name.endsWith("weights")) expected = new int[] {heads, n, n};
            else if (name.endsWith("query") || name.endsWith("key") || name.endsWith("value") || name.endsWith("head_outputs")) {
                expected = new int[] {heads, n, d};
            } else if (name.endsWith("head_projections")) expected = new int[] {heads, n, h};
            else expected = new int[] {n, h};
            assertArrayEquals(expected, t.shape(), name);
        }
        assertThrows(IllegalArgumentException.class, () -> trace.get("layers.9.attention.weights"));
        assertThrows(IllegalArgumentException.class, () -> trace.get("layers.0.attention.nonsense"));
        assertThrows(IllegalStateException.class, () -> plain.trace(0));
    }

    @Test
    void aTraceWithoutWeightsKeepsEverythingElseToTheBitAndRefusesTheSquareTensors() {
        List<Encoding> texts = List.of(bert.tokenizer().encode("The bank raised rates after the river flooded"),
                bert.tokenizer().encode("Short one"));
        Trace lean = bert.forward(texts, Tracing.WITHOUT_WEIGHTS).trace(0);
        ModelConfig c = bert.config();
        assertEquals(1 + 9 * c.layers(), lean.names().size());
        for (String name : lean.names()) assertArrayEquals(trace.get(name).data(), lean.get(name).data(), name);
        var e = assertThrows(IllegalStateException.class, () -> lean.get("layers.0.attention.weights"));
        assertTrue(e.getMessage().contains("without the attention weights"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> lean.get("layers.1.attention.scores"));
        int n = lean.length();
        for (int layer = 0; layer < c.layers(); layer++) {
            var attention = bert.attention(layer);
            float[] q = lean.layer(layer, "attention.query"), k = lean.layer(layer, "attention.key");
            float[] full = trace.layer(layer, "attention.scores");
            for (int h = 0; h < c.heads(); h++) {
                float[] keysT = attention.transposedKeys(k, c.kvHead(h), n);
                for (int i = 0; i < n; i++) { // one query at a time, in blocks of 3 keys: the same bits
                    float[] row = new float[n];
                    for (int j0 = 0; j0 < n; j0 += 3) attention.scores(q, h, i, 1, keysT, n, j0, Math.min(3, n - j0), row, j0, n);
                    assertArrayEquals(java.util.Arrays.copyOfRange(full, (h * n + i) * n, (h * n + i + 1) * n), row);
                }
            }
        }
    }

    @Test
    void tracingChangesNothingInTheOutput() {
        float[] traced = trace.layer(bert.config().layers() - 1, "residual_out");
        assertArrayEquals(plain.hidden(0), traced);
    }

    @Test
    void weightsAreTheSoftmaxOfTheScoresToTheBit() {
        int n = trace.length();
        for (int l = 0; l < bert.config().layers(); l++) {
            float[] scores = trace.layer(l, "attention.scores").clone();
            for (int row = 0; row < scores.length / n; row++) Vectors.softmax(scores, row * n, n);
            assertArrayEquals(trace.layer(l, "attention.weights"), scores, "layer " + l);
        }
    }

    @Test
    void headProjectionsAddUpToTheAttentionSublayer() {
        ModelConfig c = bert.config();
        int n = trace.length(), h = c.hiddenSize();
        for (int l = 0; l < c.layers(); l++) {
            // residual_mid = LayerNorm(residual_in + Σ_h z^h W_O^h + b_O), recomputed in plain loops.
            float[] x = trace.layer(l, "residual_in").clone();
            float[] attn = trace.layer(l, "attention.output");
            for (int i = 0; i < x.length; i++) x[i] += attn[i];
            String norm = "encoder.layer." + l + ".attention.output.LayerNorm.";
            float[] gamma = bert.checkpoint().tensor(norm + "weight").data(), beta = bert.checkpoint().tensor(norm + "bias").data();
            for (int i = 0; i < n; i++) Scalar.layerNorm(x, i * h, h, gamma, beta, c.normEps());
            float[] mid = trace.layer(l, "residual_mid");
            for (int i = 0; i < x.length; i++) assertEquals(mid[i], x[i], 2e-4, "layer " + l + " at " + i);
        }
    }
}
