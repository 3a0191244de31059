package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.text.Encoding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Decoders written as Hugging Face directories and read back: single files, shards, prefixes, refusals. */
class DecoderDirectoryTest {

    @TempDir
    Path dir;

    private static final int[] IDS = {4, 8, 15, 16, 23, 42, 7};

    private static float[] logits(Model m) {
        Encoding e = new Encoding(IDS, new int[IDS.length], new String[IDS.length], new int[IDS.length], new int[IDS.length]);
        return m.forward(List.of(e), true).trace(0).get("logits").data();
    }

    @Test
    void exportedDecodersLoadBackBitForBit() {
        for (ModelConfig c : List.of(RandomDecoders.gpt2(), RandomDecoders.llama(), RandomDecoders.qwen2(), RandomDecoders.qwen3(),
                RandomDecoders.llama3Scaled(), RandomDecoders.mistralWindowed())) {
            Checkpoint original = RandomDecoders.checkpoint(c, 3);
            Path out = dir.resolve(c.modelType().id() + c.hashCode());
            ModelLoader.export(original, out);
            Checkpoint back = ModelLoader.load(out);
            assertEquals(c, back.config(), "config of " + c.modelType());
            assertArrayEquals(logits(Model.load(original)), logits(Model.load(back)), c.modelType().id());
        }
    }

    /** Shards named by model.safetensors.index.json, and GPT-2's "transformer." prefix and mask buffers. */
    @Test
    void shardsAndPrefixesAreRead() throws Exception {
        Checkpoint original = RandomDecoders.checkpoint(RandomDecoders.gpt2(), 4);
        ModelLoader.export(original, dir);
        Map<String, Tensor> all = SafeTensors.read(dir.resolve(ModelLoader.SAFETENSORS));
        Map<String, Tensor> first = new LinkedHashMap<>(), second = new LinkedHashMap<>();
        StringBuilder map = new StringBuilder();
        int i = 0;
        for (Tensor t : all.values()) {
            String name = "transformer." + t.name();
            String shard = i++ % 2 == 0 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
            (shard.contains("00001") ? first : second).put(name, new Tensor(name, t.shape(), t.data()));
            map.append(map.isEmpty() ? "" : ",").append('"').append(name).append("\": \"").append(shard).append('"');
        }
        first.put("transformer.h.0.attn.bias", new Tensor("transformer.h.0.attn.bias", new int[] {1, 1, 2, 2}, new float[] {1, 0, 1, 1}));
        Files.delete(dir.resolve(ModelLoader.SAFETENSORS));
        SafeTensors.write(first, dir.resolve("model-00001-of-00002.safetensors"));
        SafeTensors.write(second, dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve(ModelLoader.SAFETENSORS_INDEX), "{\"metadata\": {}, \"weight_map\": {" + map + "}}");
        Checkpoint back = ModelLoader.load(dir);
        assertTrue(back.tensors().containsKey("h.0.attn.c_attn.weight"));
        assertTrue(!back.tensors().containsKey("h.0.attn.bias"), "GPT-2's mask buffers are not weights");
        assertArrayEquals(logits(Model.load(original)), logits(Model.load(back)));

        Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
        ModelFormatException missing = assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir));
        assertTrue(missing.getMessage().contains("model-00002-of-00002.safetensors") && missing.getMessage().contains("is missing"),
                missing.getMessage());
    }

    /** BERT too: a layer count the weights do not back, or weights the count leaves out, is one sentence at once. */
    @Test
    void layerCountsMustMatchTheWeights() throws Exception {
        ModelLoader.export(ModelLoader.embedded(), dir);
        String config = Files.readString(dir.resolve("config.json"));
        for (String[] layers : new String[][] {{"4000", "declares 4000 layers but holds weights for 6 layers"},
                {"2147483647", "the number of layers (2147483647) exceeds the 4096 this engine accepts"},
                {"5", "holds weights for layer 5, but its configuration declares only 5 layers"}}) {
            Files.writeString(dir.resolve("config.json"), config.replace("\"num_hidden_layers\" : 6", "\"num_hidden_layers\" : " + layers[0]));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(dir));
            assertTrue(e.getMessage().contains(layers[1]), e.getMessage());
        }
    }

    @Test
    void unsupportedDecoderConfigsAreRefusedWithASentence() throws Exception {
        ModelLoader.export(RandomDecoders.checkpoint(RandomDecoders.llama(), 5), dir);
        String config = Files.readString(dir.resolve("config.json"));
        for (String[] edit : new String[][] {
                {"\"rope_scaling\" : null", "\"rope_scaling\" : {\"rope_type\": \"yarn\", \"factor\": 4}", "yarn"},
                {"\"hidden_act\" : \"silu\"", "\"hidden_act\" : \"gelu\"", "hidden_act"},
                {"\"model_type\" : \"llama\"", "\"model_type\" : \"falcon\"", "falcon"},
                {"\"num_key_value_heads\" : 2", "\"num_key_value_heads\" : 3", "key/value heads"}}) {
            assertTrue(config.contains(edit[0]), edit[0] + " in " + config);
            Files.writeString(dir.resolve("config.json"), config.replace(edit[0], edit[1]));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(ModelLoader.load(dir)));
            assertTrue(e.getMessage().contains(edit[2]) && !e.getMessage().contains("\n"), e.getMessage());
        }
        for (String[] layers : new String[][] {{"3", "declares 3 layers but holds weights for 2 layers"},
                {"2147483647", "number of layers (2147483647)"}, {"1", "holds weights for layer 1, but its configuration declares only 1 layer"}}) {
            Files.writeString(dir.resolve("config.json"), config.replace("\"num_hidden_layers\" : 2", "\"num_hidden_layers\" : " + layers[0]));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Model.load(ModelLoader.load(dir)));
            assertTrue(e.getMessage().contains(layers[1]) && e.getMessage().contains("config.json"), e.getMessage());
        }
    }
}
