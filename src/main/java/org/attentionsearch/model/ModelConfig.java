package org.attentionsearch.model;
import java.util.Objects;

/**
 * The architecture of a model, whatever file it came from: the shapes, and the few switches
 * that tell one family's forward pass from another's.
 *
 * @param modelType        which model it is (Hugging Face's model_type)
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
public record ModelConfig(ModelType modelType, int vocabSize, int hiddenSize, int layers, int heads, int kvHeads,
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
        bound("number of layers", layers, MAX_LAYERS);
        bound("number of heads", heads, MAX_HEADS);
        bound("hidden size", hiddenSize, MAX_WIDTH);
        bound("intermediate size", intermediateSize, MAX_WIDTH);
        bound("query width (heads × head size)", (long) heads * headSize, MAX_WIDTH);
        bound("vocabulary size", vocabSize, MAX_VOCABULARY);
        bound("number of token types", typeVocabSize, MAX_TYPES);
        bound("number of positions", maxPositions, MAX_POSITIONS);
        bound("sliding window", slidingWindow, MAX_POSITIONS);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException(heads + " query heads cannot share " + kvHeads + " key/value heads evenly");
        }
        if (!(normEps > 0) || Float.isInfinite(normEps)) {
            throw new IllegalArgumentException("the norm epsilon " + normEps + " is not a positive number");
        }
        Objects.requireNonNull(modelType, "modelType");
        if (modelType.family() == Family.BERT && (typeVocabSize <= 0 || hiddenSize != heads * headSize)) {
            throw new IllegalArgumentException("a BERT model needs token types and hidden size = heads × head size");
        }
        if (rope != null && rope.dimensions() > headSize) {
            throw new IllegalArgumentException("rotary positions on " + rope.dimensions() + " dimensions exceed the head size " + headSize);
        }
    }

    /*
     * Bounds on declared sizes, far above any published model (Llama 3.1 405B: 126 layers, 128
     * heads, width 16384, feed-forward 53248; vocabularies up to 262144; contexts up to 10M):
     * a size beyond them is a damaged file, refused before anything is sized by it.
     */
    private static final long MAX_LAYERS = 4096, MAX_HEADS = 4096, MAX_WIDTH = 1 << 20, MAX_VOCABULARY = 1 << 24,
            MAX_TYPES = 1 << 16, MAX_POSITIONS = 1 << 26;

    private static void bound(String what, long value, long max) {
        if (value > max) throw new IllegalArgumentException("the " + what + " (" + value + ") exceeds the " + max + " this engine accepts");
    }

    /** A BERT encoder's configuration, in the terms of its config.json. */
    public static ModelConfig bert(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize,
                                   int maxPositions, int typeVocabSize, float layerNormEps) {
        if (heads <= 0 || hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not divisible by " + heads + " heads");
        }
        return new ModelConfig(ModelType.BERT, vocabSize, hiddenSize, layers, heads, heads, hiddenSize / heads, intermediateSize,
                maxPositions, typeVocabSize, layerNormEps, Activation.GELU, null, true, false, false, 0);
    }

    /** GPT-2's configuration: heads of hiddenSize/heads, learned positions, biases everywhere. */
    public static ModelConfig gpt2(int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize, int maxPositions,
                                   float layerNormEps, Activation activation, boolean tiedEmbeddings) {
        if (heads <= 0 || hiddenSize % heads != 0) {
            throw new IllegalArgumentException("hidden size " + hiddenSize + " is not divisible by " + heads + " heads");
        }
        return new ModelConfig(ModelType.GPT2, vocabSize, hiddenSize, layers, heads, heads, hiddenSize / heads, intermediateSize,
                maxPositions, 0, layerNormEps, activation, null, true, false, tiedEmbeddings, 0);
    }

    /**
     * A Llama-family configuration (Llama, Mistral, Qwen2, Qwen3): RMSNorm, rotary positions,
     * key/value heads, SwiGLU.
     */
    public static ModelConfig llama(ModelType type, int vocabSize, int hiddenSize, int layers, int heads, int kvHeads, int headSize,
                                    int intermediateSize, int maxPositions, float rmsNormEps, Rope rope, boolean attentionBias,
                                    boolean queryKeyNorm, boolean tiedEmbeddings, int slidingWindow) {
        if (type.family() != Family.LLAMA) throw new IllegalArgumentException(type + " is not of the Llama family");
        return new ModelConfig(type, vocabSize, hiddenSize, layers, heads, kvHeads, headSize, intermediateSize, maxPositions, 0,
                rmsNormEps, Activation.SILU, Objects.requireNonNull(rope, "rope"), attentionBias, queryKeyNorm,
                tiedEmbeddings, slidingWindow);
    }

    public Family family() {
        return modelType.family();
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
