package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Pooling;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ModelLoaderTest {

    @TempDir
    Path dir;

    Checkpoint embedded;
    byte[] onnxBytes;

    @BeforeAll
    void load() throws IOException {
        embedded = ModelLoader.embedded();
        onnxBytes = OnnxBertModelTestBase.resourceBytes(ModelLoader.EMBEDDED_MODEL);
    }

    /** A small random BERT, for the cases that need not be a real model. */
    static Checkpoint tiny(Pooling pooling) {
        ModelConfig config = ModelConfig.bert(50, 8, 2, 2, 16, 16, 2, 1e-12f);
        Random r = new Random(3);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        BertTensors.expectedShapes(config).forEach((name, shape) -> {
            float[] data = new float[Arrays.stream(shape).reduce(1, (a, b) -> a * b)];
            for (int i = 0; i < data.length; i++) data[i] = (float) r.nextGaussian();
            tensors.put(name, new Tensor(name, shape, data));
        });
        return new Checkpoint(config, tensors, "{\"model\": {}}".getBytes(StandardCharsets.UTF_8), pooling, "tiny");
    }

    static void assertSameModel(Checkpoint expected, Checkpoint actual) {
        assertEquals(expected.config(), actual.config());
        assertEquals(expected.pooling(), actual.pooling());
        assertArrayEquals(expected.tokenizerJson(), actual.tokenizerJson());
        assertEquals(expected.tensors().keySet(), actual.tensors().keySet());
        expected.tensors().forEach((name, t) -> {
            Tensor u = actual.tensors().get(name);
            assertEquals(name, u.name());
            assertArrayEquals(t.shape(), u.shape(), name);
            float[] a = t.data();
            float[] b = u.data();
            for (int i = 0; i < a.length; i++) {
                if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i])) throw new AssertionError(name + "[" + i + "]");
            }
        });
    }

    private static ModelFormatException refused(Path path, String expectedFile) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(path));
        assertEquals(expectedFile, e.file(), e.getMessage());
        assertTrue(e.getMessage().startsWith(expectedFile + ": "), e.getMessage());
        return e;
    }

    @Test
    void embeddedModelIsAllMiniLm() {
        assertEquals(ModelConfig.bert(30522, 384, 6, 12, 1536, 512, 2, 1e-12f), embedded.config());
        assertEquals(Pooling.MEAN_NORMALIZED, embedded.pooling());
        assertEquals('{', (char) embedded.tokenizerJson()[0]);
        assertEquals(101, embedded.tensors().size());
    }

    @Test
    void exportThenLoadIsBitIdentical() {
        Path out = dir.resolve("minilm");
        ModelLoader.export(embedded, out);
        for (String f : new String[] {"config.json", "model.safetensors", "tokenizer.json", "1_Pooling/config.json", "modules.json"}) {
            assertTrue(Files.isRegularFile(out.resolve(f)), f);
        }
        assertSameModel(embedded, ModelLoader.load(out));
        assertSameModel(embedded, ModelLoader.load(out.resolve("model.safetensors")));
    }

    @Test
    void exportWithoutPoolingLoadsWithoutPooling() {
        Path out = dir.resolve("tiny");
        ModelLoader.export(tiny(Pooling.CLS_NORMALIZED), out);
        ModelLoader.export(tiny(null), out);
        assertFalse(Files.exists(out.resolve("modules.json")));
        assertSameModel(tiny(null), ModelLoader.load(out));
        ModelLoader.export(tiny(new Pooling(Pooling.Mode.MAX, false)), out);
        assertSameModel(tiny(new Pooling(Pooling.Mode.MAX, false)), ModelLoader.load(out));
    }

    @Test
    void onnxFileWithTokenizerNamedAsInTheJar() throws IOException {
        Path d = Files.createDirectories(dir.resolve("jar-names"));
        Path onnx = d.resolve("all-minilm-l6-v2.onnx");
        Files.write(onnx, onnxBytes);
        Files.write(d.resolve("all-minilm-l6-v2-tokenizer.json"), embedded.tokenizerJson());
        Checkpoint c = ModelLoader.load(onnx);
        assertNull(c.pooling(), "ONNX does not record pooling");
        assertSameModel(new Checkpoint(embedded.config(), embedded.tensors(), embedded.tokenizerJson(), null, ""), c);
        assertEquals(onnx.toString(), c.source());
    }

    @Test
    void directoryWithOneOnnxFileAndTokenizer() throws IOException {
        Path d = Files.createDirectories(dir.resolve("onnx-dir"));
        Files.write(d.resolve("model.onnx"), onnxBytes);
        Files.write(d.resolve("tokenizer.json"), embedded.tokenizerJson());
        Files.createDirectories(d.resolve("1_Pooling"));
        Files.write(d.resolve("1_Pooling/config.json"), HfConfig.writePoolingConfig(Pooling.MEAN_NORMALIZED, 384));
        assertSameModel(embedded, ModelLoader.load(d));
    }

    @Test
    void missingFilesAreNamed() throws IOException {
        Path d = Files.createDirectories(dir.resolve("missing"));
        refused(d, d.toString());
        refused(d.resolve("nothing.onnx"), d.resolve("nothing.onnx").toString());

        Files.write(d.resolve("model.onnx"), new byte[] {1});
        refused(d, d.resolve("tokenizer.json").toString());

        Path hf = dir.resolve("hf");
        ModelLoader.export(tiny(null), hf);
        Files.delete(hf.resolve("tokenizer.json"));
        refused(hf, hf.resolve("tokenizer.json").toString());
        Files.delete(hf.resolve("model.safetensors"));
        Files.write(hf.resolve("pytorch_model.bin"), new byte[] {0});
        assertTrue(refused(hf, hf.resolve("model.safetensors").toString()).getMessage().contains("pytorch_model.bin"));
    }

    @Test
    void brokenFilesAreNamed() throws IOException {
        Path hf = dir.resolve("broken");
        ModelLoader.export(tiny(Pooling.CLS_NORMALIZED), hf);
        Path weights = hf.resolve("model.safetensors");
        byte[] good = Files.readAllBytes(weights);
        Files.write(weights, Arrays.copyOf(good, good.length - 3));
        refused(hf, weights.toString());
        Files.write(weights, good);

        Path config = hf.resolve("config.json");
        String json = Files.readString(config);
        Files.writeString(config, json.replace("\"bert\"", "\"roberta\"").replace("BertModel", "RobertaModel"));
        assertTrue(refused(hf, config.toString()).getMessage().contains("roberta"));
        Files.writeString(config, "{\"model_type\": ");
        refused(hf, config.toString());
        Files.writeString(config, json);

        Path pooling = hf.resolve("1_Pooling/config.json");
        Files.writeString(pooling, "{\"pooling_mode_weightedmean_tokens\": true}");
        refused(hf, pooling.toString());

        Path onnx = dir.resolve("cut.onnx");
        Files.write(onnx, Arrays.copyOf(onnxBytes, onnxBytes.length / 3));
        Files.write(dir.resolve("cut-tokenizer.json"), embedded.tokenizerJson());
        refused(onnx, onnx.toString());
    }

    @Test
    void wrongShapesAreNamedWithBothShapes() throws IOException {
        Path hf = dir.resolve("shapes");
        Checkpoint c = tiny(null);
        ModelLoader.export(c, hf);
        Map<String, Tensor> tensors = new LinkedHashMap<>(c.tensors());
        String name = "encoder.layer.1.intermediate.dense.weight";
        tensors.put(name, new Tensor(name, new int[] {8, 16}, tensors.get(name).data()));
        SafeTensors.write(tensors, hf.resolve("model.safetensors"));
        ModelFormatException e = refused(hf, hf.resolve("model.safetensors").toString());
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("[8, 16]") && e.getMessage().contains("[16, 8]"),
                e.getMessage());

        tensors.remove(name);
        SafeTensors.write(tensors, hf.resolve("model.safetensors"));
        assertTrue(refused(hf, hf.resolve("model.safetensors").toString()).getMessage().contains(name));

        Checkpoint wrong = new Checkpoint(c.config(), tensors, c.tokenizerJson(), null, "wrong");
        ModelFormatException ex = assertThrows(ModelFormatException.class, () -> ModelLoader.export(wrong, dir.resolve("x")));
        assertEquals("wrong", ex.file());
    }

    @Test
    void prefixedAndLegacyNamesAndExtraTensorsAreAccepted() {
        Checkpoint c = tiny(null);
        Path hf = dir.resolve("prefixed");
        ModelLoader.export(c, hf);
        Map<String, Tensor> stored = new LinkedHashMap<>();
        c.tensors().forEach((name, t) -> {
            String n = "bert." + name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta");
            stored.put(n, new Tensor(n, t.shape(), t.data()));
        });
        stored.put("cls.predictions.bias", new Tensor("cls.predictions.bias", new int[] {50}, new float[50]));
        SafeTensors.write(stored, hf.resolve("model.safetensors"));
        assertSameModel(c, ModelLoader.load(hf));
    }
}
