package org.attentionsearch.model;

import org.attentionsearch.model.blocks.Attention;
import org.attentionsearch.model.blocks.Embedding;
import org.attentionsearch.model.blocks.LanguageModelHead;

/**
 * One family's forward pass, written on the shared blocks. {@link Transformer} runs the loop
 * (embed, every layer, finish) and the bookkeeping; a family says what happens at each step.
 */
public interface Architecture {

    ModelConfig config();

    /** The residual stream entering layer 0, [rows × hidden], a fresh array. */
    float[] embed(Pass p);

    /** The residual stream leaving layer l, given the one entering it ({@link Pass#residual} says where). */
    float[] layer(Pass p, int layer, float[] x);

    /** The final vectors from the residual stream leaving the last layer: a decoder's final norm, or x itself. */
    float[] finish(Pass p, float[] x);

    Attention attention(int layer);

    /** The token-embedding table. */
    Embedding tokenEmbeddings();

    /** A decoder's final norm and unembedding; null for an encoder. */
    LanguageModelHead head();
}
