package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
