package org.attentionsearch.model;

/**
 * The architecture of a BERT-family encoder, as Hugging Face's config.json states it.
 *
 * @param vocabSize             rows of the word-embedding table
 * @param hiddenSize            width d_model of the residual stream
 * @param layers                number of encoder layers
 * @param heads                 attention heads per layer; hiddenSize / heads is the head width
 * @param intermediateSize      width of the feed-forward layer
 * @param maxPositions          rows of the position-embedding table (the longest input)
 * @param typeVocabSize         rows of the token-type (segment) table
 * @param layerNormEps          epsilon inside every LayerNorm
 * @param hiddenAct             activation of the feed-forward layer; only exact "gelu" (erf) is supported
 */
public record BertConfig(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize,
                         int maxPositions, int typeVocabSize, float layerNormEps, String hiddenAct) {

    public BertConfig {
        if (vocabSize <= 0 || hiddenSize <= 0 || layers <= 0 || heads <= 0 || intermediateSize <= 0
                || maxPositions <= 0 || typeVocabSize <= 0) {
            throw new IllegalArgumentException("every size in the model configuration must be positive");
        }
        if (hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not divisible by " + heads + " heads");
        }
    }

    /** Width of one head's query, key and value vectors. */
    public int headSize() {
        return hiddenSize / heads;
    }
}
