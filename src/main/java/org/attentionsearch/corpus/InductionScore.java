package org.attentionsearch.corpus;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.Output;
import org.attentionsearch.model.Tracing;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.text.Tokenizer;

/**
 * The induction score of every head of a decoder, the standard test of Olsson et al. (2022) as
 * TransformerLens runs it: a sequence of m random tokens, repeated once (after BOS when the
 * model adds one). Reading the second copy, an induction head attends from each token A to the
 * token that followed A in the first copy, m − 1 positions back; the score is the mean of that
 * weight, α(i, i − m + 1), over the queries i of the second copy. TransformerLens averages the
 * same diagonal of the pattern, which also crosses two queries at the end of the first copy.
 */
public final class InductionScore {

    /** Tokens per random sequence (TransformerLens's demos use 50), fewer when the model's positions are short. */
    static final int LENGTH = 50;
    /** Sequences averaged over, each with its own random tokens. */
    static final int SEQUENCES = 4;
    /** The same random tokens every time, so that scores of one model are comparable. */
    static final long SEED = 20220308L;

    private InductionScore() {
    }

    /** [layer][head] induction scores; null for an encoder, which has no next token to copy. */
    public static double[][] of(Model model) {
        if (!model.decoder()) return null;
        Tokenizer tokenizer = model.tokenizer();
        boolean bos = tokenizer.bos().isPresent() && addsBos(model);
        int m = Math.min(LENGTH, (model.config().maxPositions() - (bos ? 1 : 0)) / 2);
        if (m < 2) return null;
        List<Integer> pool = new ArrayList<>();
        for (int id = 0; id < Math.min(tokenizer.vocabSize(), model.config().vocabSize()); id++) {
            try {
                if (!tokenizer.isSpecial(id)) {
                    tokenizer.token(id);
                    pool.add(id);
                }
            } catch (IllegalArgumentException e) {
                // an id no token has
            }
        }
        Random random = new Random(SEED);
        List<Encoding> encodings = new ArrayList<>();
        for (int s = 0; s < SEQUENCES; s++) {
            int[] seq = new int[m];
            for (int i = 0; i < m; i++) seq[i] = pool.get(random.nextInt(pool.size()));
            int first = bos ? 1 : 0, n = first + 2 * m;
            int[] ids = new int[n];
            if (bos) ids[0] = tokenizer.bos().getAsInt();
            for (int i = 0; i < m; i++) ids[first + i] = ids[first + m + i] = seq[i];
            encodings.add(encoding(tokenizer, ids));
        }
        int layers = model.config().layers(), heads = model.config().heads();
        double[][] score = new double[layers][heads];
        Output out = model.forward(encodings, Tracing.FULL);
        for (int s = 0; s < SEQUENCES; s++) {
            int n = encodings.get(s).length(), first = n - 2 * m;
            for (int l = 0; l < layers; l++) {
                float[] w = out.trace(s).layer(l, "attention.weights"); // [heads, n, n]
                for (int h = 0; h < heads; h++) {
                    double sum = 0;
                    for (int i = first + m; i < n; i++) sum += w[(h * n + i) * n + i - m + 1];
                    score[l][h] += sum / m / SEQUENCES;
                }
            }
        }
        return score;
    }

    /** Whether the model puts BOS before a text, as its tokenizer encodes one. */
    private static boolean addsBos(Model model) {
        Encoding e = model.tokenizer().encode("a");
        return e.length() > 0 && e.ids()[0] == model.tokenizer().bos().getAsInt() && !e.hasOffsets(0);
    }

    private static Encoding encoding(Tokenizer tokenizer, int[] ids) {
        int n = ids.length;
        String[] tokens = new String[n];
        int[] none = new int[n];
        java.util.Arrays.fill(none, -1);
        for (int i = 0; i < n; i++) tokens[i] = tokenizer.token(ids[i]);
        return new Encoding(ids, new int[n], tokens, none, none.clone());
    }
}
