package org.attentionsearch.model;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import org.attentionsearch.model.blocks.Attention;
import org.attentionsearch.model.blocks.Embedding;
import org.attentionsearch.model.blocks.LanguageModelHead;
import org.attentionsearch.text.ChatTemplate;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.text.Tokenizer;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.ModelLoader;

/**
 * A ready-to-run model of any family: what the search views, the command line and the web
 * app work with. The library's entry point: {@code Model.embedded().embed(List.of("some text"))}.
 */
public interface Model {

    /** all-MiniLM-L6-v2, shipped on the classpath. */
    static Model embedded() {
        return load(ModelLoader.embedded());
    }

    /** A model from a path: an .onnx file, a Hugging Face directory or a .gguf file. */
    static Model load(Path path) {
        return load(ModelLoader.load(path));
    }

    /** The model in a checkpoint, with its declared pooling or else the family's default. */
    static Model load(Checkpoint checkpoint) {
        return Transformer.load(checkpoint);
    }

    ModelConfig config();

    Tokenizer tokenizer();

    /**
     * The chat template the model's files declare (tokenizer_config.json or the directory's own
     * template file, or GGUF's tokenizer.chat_template), if any. Tokenize what it renders with
     * {@code tokenizer().encode(text, false)}: the template writes the special tokens itself.
     */
    default Optional<ChatTemplate> chatTemplate() {
        return checkpoint().tokenizer().chatTemplate(tokenizer());
    }

    /** How {@link #embed} turns token vectors into one vector per text. */
    Pooling pooling();

    /** The same model pooled another way (shares the tokenizer and the weights). */
    Model withPooling(Pooling pooling);

    /** Where the model came from, with its weights as the file holds them (for export). */
    Checkpoint checkpoint();

    /** A tokenized text, cut to the model's positions; {@code dropped} tokens did not fit. */
    record Tokenized(String text, Encoding encoding, int dropped) {
    }

    /** Tokenizes and truncates to the model's positions (see {@link Tokenized#dropped()}). */
    Tokenized tokenize(String text);

    /** One forward pass over several token sequences, with a trace of every internal when asked. */
    Output forward(List<Encoding> encodings, boolean trace);

    /**
     * A decoder's pass over {@code ids} that continue the tokens already in {@code cache}, at
     * positions cache.length() …; appends their keys and values to it. The outputs (and the trace,
     * whose attention weights and scores are then [heads, ids, cache.length() after]) are those of
     * the same tokens in one pass over the whole text, up to rounding.
     */
    Output forward(int[] ids, KeyValueCache cache, boolean trace);

    /** One forward pass whose traces keep what {@code tracing} says (FULL is {@code forward(encodings, true)}). */
    Output forward(List<Encoding> encodings, Tracing tracing);

    /** Sees the residual stream leaving each layer of an untraced pass, while it is still there. */
    @FunctionalInterface
    interface LayerObserver {
        /**
         * @param layer    the layer just finished
         * @param residual its output, [rows × hidden] over the whole batch; overwritten by the next
         *                 layer, so read it now and keep nothing of it
         */
        void layerDone(int layer, Batch batch, float[] residual);
    }

    /**
     * An untraced pass that shows every layer's residual stream to {@code observer}: what the
     * logit lens needs, without keeping any layer's attention.
     */
    Output forward(List<Encoding> encodings, LayerObserver observer);

    /**
     * One vector per text by the model's pooling (texts truncated to fit): with h_i the final
     * hidden state of token i (an encoder's last layer, a decoder's final norm output), mean
     * pooling gives e = Σ_i h_i / n, cls e = h_0, max e_c = max_i h_ic, last e = h_{n−1}; a model
     * whose files ask for it (sentence-transformers' Normalize) then gets e / ‖e‖.
     */
    List<float[]> embed(List<String> texts);

    /** Whether it is a causal decoder that predicts the next token. */
    default boolean decoder() {
        return config().decoder();
    }

    /** Layer l's attention: its mask, W_O, and the code that recomputes its scores. */
    Attention attention(int layer);

    /** The token-embedding table. */
    Embedding tokenEmbeddings();

    /** A decoder's final norm and unembedding; null for an encoder. */
    LanguageModelHead head();
}
