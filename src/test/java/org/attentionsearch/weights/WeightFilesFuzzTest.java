package org.attentionsearch.weights;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.NonFiniteValueException;
import org.attentionsearch.testing.FuzzProperty;
import org.attentionsearch.text.TokenizerFormatException;

/**
 * Every weight-file parser on arbitrary bytes (see {@link FuzzProperty}): a model, or one
 * {@link ModelFormatException} (or {@link TokenizerFormatException} for a GGUF's vocabulary)
 * sentence. Seeds: src/test/resources/org/attentionsearch/weights/WeightFilesFuzzTestInputs/.
 */
public class WeightFilesFuzzTest {

    private static final Predicate<Throwable> CLEAR = e -> e instanceof ModelFormatException || e instanceof TokenizerFormatException
            || e instanceof NonFiniteValueException;
    private static final byte[] TOKENIZER = resource(ModelLoader.EMBEDDED_TOKENIZER);

    @FuzzTest(maxDuration = "30s")
    void safetensors(byte[] data) {
        safetensorsTarget(data);
    }

    @FuzzTest(maxDuration = "30s")
    void gguf(byte[] data) {
        ggufTarget(data);
    }

    @FuzzTest(maxDuration = "30s")
    void onnx(byte[] data) {
        onnxTarget(data);
    }

    @FuzzTest(maxDuration = "30s")
    void config(byte[] data) {
        configTarget(data);
    }

    /** The tensors of a safetensors file, every value read. */
    public static void safetensorsTarget(byte[] data) {
        FuzzProperty.check(data.length, CLEAR, () -> {
            for (Tensor t : SafeTensors.read(data, "fuzz.safetensors").values()) t.data();
        });
    }

    /** A GGUF file's header, then the model it holds, loaded and run on a word. */
    public static void ggufTarget(byte[] data) {
        FuzzProperty.check(data.length, CLEAR, () -> {
            GgufParser.parse(MemorySegment.ofArray(data), "fuzz.gguf");
            Path file = Files.createTempFile("fuzz", ".gguf");
            try {
                Files.write(file, data);
                Checkpoint c = GgufCheckpoint.read(file);
                for (Tensor t : c.tensors().values()) t.data();
                Model.load(c).embed(List.of("hello"));
            } finally {
                Files.delete(file);
            }
        });
    }

    /** An ONNX export read as a BERT, every weight converted. */
    public static void onnxTarget(byte[] data) {
        FuzzProperty.check(data.length, CLEAR, () -> {
            for (Tensor t : ModelLoader.fromOnnx(data, TOKENIZER, "fuzz.onnx").tensors().values()) t.data();
        });
    }

    /** A config.json, and the same bytes as sentence-transformers' pooling config and modules.json. */
    public static void configTarget(byte[] data) {
        FuzzProperty.check(data.length, CLEAR, () -> HfConfig.readConfig(data, "config.json"));
        FuzzProperty.check(data.length, CLEAR, () -> HfConfig.readPooling(data, "1_Pooling/config.json", data, "modules.json"));
    }

    private static byte[] resource(String name) {
        try (InputStream in = WeightFilesFuzzTest.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
