package org.attentionsearch.model;

import java.util.Locale;

/**
 * The architecture of a model, whatever file it came from: the shapes, and the few switches
 * that tell one family's forward pass from another's.
 *
 * @param modelType        Hugging Face's model_type: bert, gpt2, llama, mistral, qwen2 or qwen3
 * @param vocabSize        rows of the token-embedding table
 * @param hiddenSize       width d_model of the residual stream
 * @param layers           number of transformer blocks
 * @param heads            query heads per layer
 * @param kvHeads          key/value heads per layer (fewer than heads under grouped-query attention)
 * @param headSize         width of one head's query, key and value
 * @param intermediateSize width of the feed-forward layer
 * @param maxPositions     the longest input the model takes
 * @param typeVocabSize    rows of BERT's token-type table; 0 for decoders
 * @param normEps          epsilon inside every LayerNorm or RMSNorm
 * @param activation       the feed-forward's activation
 * @param rope             rotary positions, or null for learned absolute positions
 * @param attentionBias    whether q, k and v have biases
 * @param queryKeyNorm     whether each head's q and k go through an RMSNorm before rotary positions (Qwen3)
 * @param tiedEmbeddings   whether the LM head is the token-embedding table
 * @param slidingWindow    keys further back than this many positions are hidden; 0 for none
 */
public record ModelConfig(String modelType, int vocabSize, int hiddenSize, int layers, int heads, int kvHeads,
                          int headSize, int intermediateSize, int maxPositions, int typeVocabSize, float normEps,
                          Activation activation, Rope rope, boolean attentionBias, boolean queryKeyNorm,
                          boolean tiedEmbeddings, int slidingWindow) {

    /** The feed-forward's activation. */
    public enum Activation {
        /** Exact GELU, x·Φ(x) (BERT). */
        GELU,
        /** GELU with the tanh approximation (GPT-2's gelu_new). */
        GELU_TANH,
        /** SwiGLU: silu(x·W_gate) ⊙ x·W_up (Llama, Qwen, Mistral). */
        SILU
    }

    /** The code path a model type takes; Mistral, Qwen2, Qwen3 and SmolLM2 are Llamas with switches. */
    public enum Family {
        BERT(false), GPT2(true), LLAMA(true);

        private final boolean decoder;

        Family(boolean decoder) {
            this.decoder = decoder;
        }

        /** Whether it predicts the next token under a causal mask. */
        public boolean decoder() {
            return decoder;
        }
    }

    public ModelConfig {
        if (vocabSize <= 0 || hiddenSize <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || headSize <= 0
                || intermediateSize <= 0 || maxPositions <= 0 || typeVocabSize < 0 || slidingWindow < 0) {
            throw new IllegalArgumentException("every size in the model configuration must be positive");
        }
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads cannot share " + kvHeads + " key/value heads evenly");
        }
        if (!(normEps >= 0) || Float.isInfinite(normEps)) {
            throw new IllegalArgumentException("the norm epsilon " + normEps + " is not a non-negative number");
        }
        modelType = modelType.toLowerCase(Locale.ROOT);
        family(modelType); // refuses unknown types
        if (family(modelType) == Family.BERT && (typeVocabSize <= 0 || hiddenSize != heads * headSize)) {
            throw new IllegalArgumentException("a BERT model needs token types and hidden size = heads × head size");
        }
        if (rope != null && rope.dimensions() > headSize) {
            throw new IllegalArgumentException("rotary positions on " + rope.dimensions() + " dimensions exceed the head size " + headSize);
        }
    }

    /** A BERT encoder's configuration, in the terms of its config.json. */
    public static ModelConfig bert(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize,
                                   int maxPositions, int typeVocabSize, float layerNormEps) {
        if (heads <= 0 || hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not divisible by " + heads + " heads");
        }
        return new ModelConfig("bert", vocabSize, hiddenSize, layers, heads, heads, hiddenSize / heads, intermediateSize,
                maxPositions, typeVocabSize, layerNormEps, Activation.GELU, null, true, false, false, 0);
    }

    public Family family() {
        return family(modelType);
    }

    private static Family family(String modelType) {
        return switch (modelType) {
            case "bert" -> Family.BERT;
            case "gpt2" -> Family.GPT2;
            case "llama", "mistral", "qwen2", "qwen3" -> Family.LLAMA;
            default -> throw new IllegalArgumentException("unknown model type '" + modelType + "'");
        };
    }

    public boolean decoder() {
        return family().decoder();
    }

    /** Query heads that share one key/value head. */
    public int groupSize() {
        return heads / kvHeads;
    }

    /** The key/value head that query head h reads. */
    public int kvHead(int head) {
        return head / groupSize();
    }

    /** Width of all query heads side by side. */
    public int queryWidth() {
        return heads * headSize;
    }

    /** Width of all key (or value) heads side by side. */
    public int keyValueWidth() {
        return kvHeads * headSize;
    }
}
