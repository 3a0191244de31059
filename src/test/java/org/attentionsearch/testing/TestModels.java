package org.attentionsearch.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.Pooling;
import org.attentionsearch.weights.ModelLoader;

/** The two real models the tests run: their files from the classpath, loaded once per JVM. */
public enum TestModels {
    MINILM("/all-minilm-l6-v2.onnx", "/all-minilm-l6-v2-tokenizer.json", Pooling.MEAN_NORMALIZED),
    BGE("/bge-small-en-v1.5.onnx", "/bge-small-en-v1.5-tokenizer.json", Pooling.CLS_NORMALIZED);

    private final String onnx;
    private final String tokenizer;
    private final Pooling pooling;
    private byte[] onnxBytes;
    private byte[] tokenizerBytes;
    private Model model;

    TestModels(String onnx, String tokenizer, Pooling pooling) {
        this.onnx = onnx;
        this.tokenizer = tokenizer;
        this.pooling = pooling;
    }

    public synchronized byte[] onnxBytes() {
        if (onnxBytes == null) onnxBytes = resource(onnx);
        return onnxBytes;
    }

    public synchronized byte[] tokenizerBytes() {
        if (tokenizerBytes == null) tokenizerBytes = resource(tokenizer);
        return tokenizerBytes;
    }

    public Pooling pooling() {
        return pooling;
    }

    /** The model, read by our own ONNX reader. */
    public synchronized Model model() {
        if (model == null) {
            model = Model.load(ModelLoader.fromOnnx(onnxBytes(), tokenizerBytes(), onnx.substring(1)).withPooling(pooling));
        }
        return model;
    }

    public static byte[] resource(String name) {
        try (InputStream in = TestModels.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing test resource " + name);
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
