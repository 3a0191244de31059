package org.attentionsearch.weights;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import org.attentionsearch.model.ModelConfig;

/** The Hugging Face names and PyTorch shapes of every weight a BERT encoder needs. */
public final class BertTensors {

    public static final String POOLER_WEIGHT = "pooler.dense.weight";
    public static final String POOLER_BIAS = "pooler.dense.bias";

    private BertTensors() {
    }

    /** Every required tensor name with its shape, embeddings first, then layer by layer. */
    public static Map<String, int[]> expectedShapes(ModelConfig c) {
        int h = c.hiddenSize();
        int ffn = c.intermediateSize();
        Map<String, int[]> m = new LinkedHashMap<>();
        m.put("embeddings.word_embeddings.weight", new int[] {c.vocabSize(), h});
        m.put("embeddings.position_embeddings.weight", new int[] {c.maxPositions(), h});
        m.put("embeddings.token_type_embeddings.weight", new int[] {c.typeVocabSize(), h});
        m.put("embeddings.LayerNorm.weight", new int[] {h});
        m.put("embeddings.LayerNorm.bias", new int[] {h});
        for (int l = 0; l < c.layers(); l++) {
            String p = layerPrefix(l);
            for (String qkv : new String[] {"query", "key", "value"}) {
                m.put(p + "attention.self." + qkv + ".weight", new int[] {h, h});
                m.put(p + "attention.self." + qkv + ".bias", new int[] {h});
            }
            m.put(p + "attention.output.dense.weight", new int[] {h, h});
            m.put(p + "attention.output.dense.bias", new int[] {h});
            m.put(p + "attention.output.LayerNorm.weight", new int[] {h});
            m.put(p + "attention.output.LayerNorm.bias", new int[] {h});
            m.put(p + "intermediate.dense.weight", new int[] {ffn, h});
            m.put(p + "intermediate.dense.bias", new int[] {ffn});
            m.put(p + "output.dense.weight", new int[] {h, ffn});
            m.put(p + "output.dense.bias", new int[] {h});
            m.put(p + "output.LayerNorm.weight", new int[] {h});
            m.put(p + "output.LayerNorm.bias", new int[] {h});
        }
        return m;
    }

    /** Shapes of the optional pooler (kept when a file has it, never required). */
    public static Map<String, int[]> optionalShapes(ModelConfig c) {
        int h = c.hiddenSize();
        return Map.of(POOLER_WEIGHT, new int[] {h, h}, POOLER_BIAS, new int[] {h});
    }

    public static String layerPrefix(int layer) {
        return "encoder.layer." + layer + ".";
    }

    private static final Pattern LAYER = Pattern.compile("encoder\\.layer\\.(\\d{1,9})\\.(.+)");
    private static final Set<String> LAYER_TENSORS = Set.copyOf(expectedShapes(
            ModelConfig.bert(1, 1, 1, 1, 1, 1, 1, 1e-12f)).keySet().stream()
            .filter(n -> n.startsWith(layerPrefix(0))).map(n -> n.substring(layerPrefix(0).length())).toList());

    /** True for the name of a BERT weight this project keeps, in any layer (whether the configuration has it or not). */
    public static boolean isKnownName(String name) {
        var m = LAYER.matcher(name);
        if (m.matches()) return LAYER_TENSORS.contains(m.group(2));
        return OUTSIDE_LAYERS.contains(name);
    }

    private static final Set<String> OUTSIDE_LAYERS = Set.of("embeddings.word_embeddings.weight",
            "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight",
            "embeddings.LayerNorm.bias", POOLER_WEIGHT, POOLER_BIAS);

    /**
     * Checks that every required tensor is present with the shape the configuration implies,
     * and that optional ones, when present, have theirs.
     */
    public static void validate(ModelConfig c, Map<String, Tensor> tensors, String file) {
        for (Map.Entry<String, int[]> e : expectedShapes(c).entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t == null) throw new ModelFormatException(file, "has no tensor " + e.getKey());
            checkShape(t, e.getKey(), e.getValue(), file);
        }
        for (Map.Entry<String, int[]> e : optionalShapes(c).entrySet()) {
            Tensor t = tensors.get(e.getKey());
            if (t != null) checkShape(t, e.getKey(), e.getValue(), file);
        }
    }

    private static void checkShape(Tensor t, String name, int[] expected, String file) {
        if (!Arrays.equals(t.shape(), expected)) {
            throw new ModelFormatException(file, "tensor " + name + " has shape " + t.shapeString()
                    + " but the configuration needs " + Arrays.toString(expected));
        }
    }
}
