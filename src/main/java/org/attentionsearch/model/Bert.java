package org.attentionsearch.model;

import java.util.ArrayList;
import java.util.List;

import org.attentionsearch.text.BertTokenizer;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.ModelFormatException;
import org.attentionsearch.weights.ModelLoader;

/**
 * A ready-to-run BERT-family model: its tokenizer, its packed weights and its pooling.
 * The library's entry point: {@code Bert.embedded().embed(List.of("some text"))}.
 */
public final class Bert {

    private final Checkpoint checkpoint;
    private final BertTokenizer tokenizer;
    private final Encoder encoder;
    private final Pooling pooling;

    private Bert(Checkpoint checkpoint, BertTokenizer tokenizer, Encoder encoder, Pooling pooling) {
        this.checkpoint = checkpoint;
        this.tokenizer = tokenizer;
        this.encoder = encoder;
        this.pooling = pooling;
    }

    private static Bert build(Checkpoint checkpoint, Pooling pooling) {
        BertTokenizer tokenizer = BertTokenizer.fromJson(checkpoint.tokenizerJson());
        if (tokenizer.vocabSize() > checkpoint.config().vocabSize()) {
            throw new ModelFormatException(checkpoint.source(), "the tokenizer has " + tokenizer.vocabSize()
                    + " tokens but the word embeddings only " + checkpoint.config().vocabSize() + " rows");
        }
        return new Bert(checkpoint, tokenizer, new Encoder(BertWeights.from(checkpoint)), pooling);
    }

    /** The model in the checkpoint, with its declared pooling or else {@code fallbackPooling}. */
    public static Bert load(Checkpoint checkpoint, Pooling fallbackPooling) {
        return build(checkpoint, checkpoint.pooling() != null ? checkpoint.pooling() : fallbackPooling);
    }

    public static Bert load(Checkpoint checkpoint) {
        return load(checkpoint, Pooling.MEAN_NORMALIZED);
    }

    /** all-MiniLM-L6-v2, shipped on the classpath. */
    public static Bert embedded() {
        return load(ModelLoader.embedded());
    }

    /** The same model pooled another way (shares the tokenizer and the packed weights). */
    public Bert withPooling(Pooling pooling) {
        return new Bert(checkpoint, tokenizer, encoder, pooling);
    }

    public BertConfig config() {
        return encoder.config();
    }

    public BertTokenizer tokenizer() {
        return tokenizer;
    }

    public Encoder encoder() {
        return encoder;
    }

    public Pooling pooling() {
        return pooling;
    }

    public Checkpoint checkpoint() {
        return checkpoint;
    }

    /** A tokenized text, cut to the model's positions; {@code dropped} tokens did not fit. */
    public record Tokenized(String text, Encoding encoding, int dropped) {
    }

    /** Tokenizes and truncates to the model's positions (see {@link Tokenized#dropped()}). */
    public Tokenized tokenize(String text) {
        Encoding full = tokenizer.encode(text);
        int max = config().maxPositions();
        if (full.length() <= max) return new Tokenized(text, full, 0);
        return new Tokenized(text, full.truncate(max), full.length() - max);
    }

    public Encoder.Output forward(List<Encoding> encodings, boolean trace) {
        List<int[]> ids = new ArrayList<>(encodings.size());
        List<int[]> types = new ArrayList<>(encodings.size());
        for (Encoding e : encodings) {
            ids.add(e.ids());
            types.add(e.typeIds());
        }
        return encoder.forward(new Batch(ids, types), trace);
    }

    /** Sentence embeddings by the model's pooling, one per text (truncated to fit). */
    public List<float[]> embed(List<String> texts) {
        List<Encoding> encodings = new ArrayList<>(texts.size());
        for (String t : texts) encodings.add(tokenize(t).encoding());
        Encoder.Output out = forward(encodings, false);
        List<float[]> result = new ArrayList<>(texts.size());
        for (int b = 0; b < encodings.size(); b++) {
            result.add(pooling.pool(out.hidden(b), out.batch().length(b), config().hiddenSize()));
        }
        return result;
    }
}
