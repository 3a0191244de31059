package org.attentionsearch.search;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Trace;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.testing.ReferenceDecoder;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.Checkpoint;
import org.junit.jupiter.api.Test;

/** Next-token predictions and the logit lens against plain recomputation. */
class NextTokensTest {

    private static final int[] IDS = {5, 17, 3, 88, 41, 41, 9, 60, 2, 77, 13};

    private static Trace trace(Model model) {
        Encoding e = new Encoding(IDS, new int[IDS.length], new String[IDS.length], new int[IDS.length], new int[IDS.length]);
        return model.forward(List.of(e), true).trace(0);
    }

    @Test
    void predictionsAreTheReferenceSoftmaxRanked() {
        for (ModelConfig config : List.of(RandomDecoders.llama(), RandomDecoders.gpt2())) {
            Checkpoint checkpoint = RandomDecoders.checkpoint(config, 21);
            Model model = Model.load(checkpoint);
            ReferenceDecoder.Result want = ReferenceDecoder.run(checkpoint, IDS);
            List<NextTokens.Position> next = NextTokens.of(model, trace(model), 7, false);
            assertEquals(IDS.length, next.size());
            for (NextTokens.Position p : next) {
                double[] logits = want.logits()[p.position()];
                double max = java.util.Arrays.stream(logits).max().orElseThrow(), sum = 0;
                for (double l : logits) sum += Math.exp(l - max);
                Integer[] order = new Integer[logits.length];
                for (int t = 0; t < order.length; t++) order[t] = t;
                java.util.Arrays.sort(order, (a, b) -> Double.compare(logits[b], logits[a]));
                assertEquals(7, p.predictions().size());
                for (int r = 0; r < 7; r++) {
                    NextTokens.Prediction got = p.predictions().get(r);
                    assertEquals(order[r], got.id(), config.modelType() + " rank " + r + " after " + p.position());
                    assertEquals(Math.exp(logits[order[r]] - max) / sum, got.probability(), 1e-5);
                    assertEquals(logits[order[r]], got.logit(), 1e-4 * (1 + Math.abs(logits[order[r]])));
                }
                assertTrue(p.lens().isEmpty());
            }
        }
    }

    /** Layer L's lens is its residual stream through the final norm and W_U; the last layer's is the model's own. */
    @Test
    void theLensReadsEachLayerThroughTheFinalNorm() {
        Checkpoint checkpoint = RandomDecoders.checkpoint(RandomDecoders.qwen2(), 5);
        Model model = Model.load(checkpoint);
        Trace trace = trace(model);
        List<NextTokens.Position> next = NextTokens.of(model, trace, 4, true);
        int h = model.config().hiddenSize(), v = model.config().vocabSize(), layers = model.config().layers();
        float[] gamma = checkpoint.tensor("model.norm.weight").data(), embed = checkpoint.tensor("model.embed_tokens.weight").data();
        float[] residual = trace.layer(0, "residual_out");
        for (NextTokens.Position p : next) {
            assertEquals(layers, p.lens().size());
            assertEquals(p.predictions(), p.lens().get(layers - 1).predictions(), "the last layer's lens is the model's prediction");
            int i = p.position();
            double ms = 0;
            for (int k = 0; k < h; k++) ms += (double) residual[i * h + k] * residual[i * h + k];
            double inv = 1 / Math.sqrt(ms / h + model.config().normEps());
            double best = Double.NEGATIVE_INFINITY;
            int arg = -1;
            for (int t = 0; t < v; t++) { // tied: W_U is the embedding table
                double s = 0;
                for (int k = 0; k < h; k++) s += residual[i * h + k] * inv * gamma[k] * embed[t * h + k];
                if (s > best) {
                    best = s;
                    arg = t;
                }
            }
            NextTokens.Prediction top = p.lens().getFirst().predictions().getFirst();
            assertEquals(arg, top.id());
            assertEquals(best, top.logit(), 1e-4 * (1 + Math.abs(best)));
        }
    }

    /** The untraced pass with the lens read on the way equals the traced one, text by text in a batch. */
    @Test
    void theUntracedPassGivesTheSamePredictions() {
        Model model = Model.load(RandomDecoders.checkpoint(RandomDecoders.llama(), 8));
        int[] other = {7, 7, 1, 50, 3};
        List<Encoding> texts = List.of(encoding(IDS), encoding(other));
        List<List<NextTokens.Position>> batched = NextTokens.of(model, texts, 5, true);
        for (int b = 0; b < texts.size(); b++) {
            Trace alone = model.forward(List.of(texts.get(b)), true).trace(0);
            assertEquals(NextTokens.of(model, alone, 5, true), batched.get(b), "text " + b);
        }
    }

    private static Encoding encoding(int[] ids) {
        return new Encoding(ids, new int[ids.length], new String[ids.length], new int[ids.length], new int[ids.length]);
    }

    @Test
    void anEncoderHasNoNextToken() {
        Model bert = TestModels.MINILM.model();
        Trace t = Analysis.of(bert, "The bank").trace();
        assertThrows(IllegalArgumentException.class, () -> NextTokens.of(bert, t, 3, false));
    }
}
