package org.attentionsearch.corpus;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.Tensor;

/**
 * A two-layer GPT-2 with an induction circuit set by hand: layer 0 head 0 is a previous-token
 * head that copies the previous token's identity into a slot of the residual stream, and layer 1
 * head 0 matches the current token against that slot, so it attends to the token after the
 * previous occurrence of the current one. The other heads and the feed-forwards are zero. The
 * residual stream is [token one-hot (V) | position one-hot (P) | previous-token slot (V)].
 */
public final class InductionModels {

    public static final int VOCAB = 64, POSITIONS = 32, HIDDEN = 2 * VOCAB + POSITIONS, HEADS = 2, HEAD = HIDDEN / HEADS;

    private InductionModels() {
    }

    /** With the induction head when {@code induction}; without, layer 1's keys are zero and it attends evenly. */
    public static Model model(boolean induction) {
        ModelConfig c = ModelConfig.gpt2(VOCAB, HIDDEN, 2, HEADS, 8, POSITIONS, 1e-5f, ModelConfig.Activation.GELU_TANH, true);
        Map<String, Tensor> t = new LinkedHashMap<>();
        float[] wte = new float[VOCAB * HIDDEN], wpe = new float[POSITIONS * HIDDEN];
        for (int v = 0; v < VOCAB; v++) wte[v * HIDDEN + v] = 1;
        for (int p = 0; p < POSITIONS; p++) wpe[p * HIDDEN + VOCAB + p] = 1;
        put(t, "wte.weight", wte, VOCAB, HIDDEN);
        put(t, "wpe.weight", wpe, POSITIONS, HIDDEN);
        for (int l = 0; l < 2; l++) {
            String p = "h." + l + ".";
            float[] attn = new float[HIDDEN * 3 * HIDDEN], proj = new float[HIDDEN * HIDDEN];
            int q = 0, k = HIDDEN, v = 2 * HIDDEN, width = 3 * HIDDEN;
            if (l == 0) {
                // Query i on head dimension i, key j on dimension j + 1: they meet when j = i − 1.
                for (int pos = 0; pos < POSITIONS; pos++) {
                    attn[(VOCAB + pos) * width + q + pos] = 1.5f;
                    if (pos + 1 < POSITIONS) attn[(VOCAB + pos) * width + k + pos + 1] = 1.5f;
                }
                // The value is the key's token; W_O writes it into the previous-token slot.
                for (int tok = 0; tok < VOCAB; tok++) {
                    attn[tok * width + v + tok] = 1;
                    proj[tok * HIDDEN + VOCAB + POSITIONS + tok] = 0.135f;
                }
            } else if (induction) {
                // Query: the current token; key: the token before the key, from the slot.
                for (int tok = 0; tok < VOCAB; tok++) {
                    attn[tok * width + q + tok] = 2;
                    attn[(VOCAB + POSITIONS + tok) * width + k + tok] = 2;
                }
            }
            put(t, p + "ln_1.weight", ones(HIDDEN), HIDDEN);
            put(t, p + "ln_1.bias", new float[HIDDEN], HIDDEN);
            put(t, p + "attn.c_attn.weight", attn, HIDDEN, 3 * HIDDEN);
            put(t, p + "attn.c_attn.bias", new float[3 * HIDDEN], 3 * HIDDEN);
            put(t, p + "attn.c_proj.weight", proj, HIDDEN, HIDDEN);
            put(t, p + "attn.c_proj.bias", new float[HIDDEN], HIDDEN);
            put(t, p + "ln_2.weight", ones(HIDDEN), HIDDEN);
            put(t, p + "ln_2.bias", new float[HIDDEN], HIDDEN);
            put(t, p + "mlp.c_fc.weight", new float[HIDDEN * 8], HIDDEN, 8);
            put(t, p + "mlp.c_fc.bias", new float[8], 8);
            put(t, p + "mlp.c_proj.weight", new float[8 * HIDDEN], 8, HIDDEN);
            put(t, p + "mlp.c_proj.bias", new float[HIDDEN], HIDDEN);
        }
        put(t, "ln_f.weight", ones(HIDDEN), HIDDEN);
        put(t, "ln_f.bias", new float[HIDDEN], HIDDEN);
        return Model.load(new Checkpoint(c, t, vocabulary(), null, induction ? "induction circuit" : "no induction circuit"));
    }

    private static float[] ones(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1);
        return x;
    }

    private static void put(Map<String, Tensor> into, String name, float[] values, int... shape) {
        into.put(name, new Tensor(name, shape, values));
    }

    static byte[] vocabulary() {
        return vocabulary(VOCAB);
    }

    /** WordPiece words t3 … t(size−1) beside [UNK], [CLS] and [SEP], split at white space: "t5 t9" is two tokens. */
    static byte[] vocabulary(int size) {
        StringBuilder vocab = new StringBuilder("\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2");
        for (int i = 3; i < size; i++) vocab.append(", \"t").append(i).append("\": ").append(i);
        return ("{\"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"}, \"model\": {\"type\": \"WordPiece\", \"unk_token\": \"[UNK]\", \"vocab\": {" + vocab + "}}}")
                .getBytes(StandardCharsets.UTF_8);
    }
}
