package org.attentionsearch.model;

import java.util.Arrays;
import java.util.List;

/**
 * What a forward pass returns: every token's final vector (the last hidden state of an
 * encoder, the output of a decoder's final norm), and the traces when asked for.
 *
 * @param hidden row-major [rows × width] over the whole ragged batch
 */
public record Output(Batch batch, float[] hidden, int width, List<Trace> traces) {

    /** The final vectors of sequence b as [length × width]. */
    public float[] hidden(int b) {
        int from = batch.start(b) * width;
        return Arrays.copyOfRange(hidden, from, from + batch.length(b) * width);
    }

    public Trace trace(int b) {
        if (traces == null) throw new IllegalStateException("this forward pass was run without a trace");
        return traces.get(b);
    }
}
