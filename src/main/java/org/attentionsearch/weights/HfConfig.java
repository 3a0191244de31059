package org.attentionsearch.weights;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionsearch.model.BertConfig;
import org.attentionsearch.model.Pooling;

/**
 * Hugging Face's config.json for BERT-family encoders, and sentence-transformers'
 * 1_Pooling/config.json and modules.json, which say how token vectors become an embedding.
 */
public final class HfConfig {

    public static final String CONFIG = "config.json";
    public static final String POOLING_CONFIG = "1_Pooling/config.json";
    public static final String MODULES = "modules.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final String ST = "sentence_transformers.models.";
    private static final Map<String, Pooling.Mode> POOLING_FLAGS = Map.of(
            "pooling_mode_cls_token", Pooling.Mode.CLS,
            "pooling_mode_mean_tokens", Pooling.Mode.MEAN,
            "pooling_mode_max_tokens", Pooling.Mode.MAX);

    private HfConfig() {
    }

    // ---- config.json

    /** Reads a BERT config.json; other architectures and activations are refused. */
    public static BertConfig readConfig(byte[] json, String file) {
        JsonNode root = parse(json, file);
        String modelType = root.path("model_type").asText("");
        boolean bertArchitecture = false;
        for (JsonNode a : root.path("architectures")) bertArchitecture |= a.asText().startsWith("Bert");
        if (!modelType.equals("bert") && !bertArchitecture) {
            throw new ModelFormatException(file, "describes a " + (modelType.isEmpty() ? "model of unknown type" : "'" + modelType + "' model")
                    + "; only BERT (model_type \"bert\") is supported");
        }
        // Defaults are those of transformers' BertConfig, used when a key is absent.
        String act = root.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new ModelFormatException(file, "uses hidden_act \"" + act + "\"; only \"gelu\" (exact, erf) is supported");
        }
        String positions = root.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw new ModelFormatException(file, "uses position_embedding_type \"" + positions + "\"; only \"absolute\" is supported");
        }
        try {
            return new BertConfig(intField(root, "vocab_size", null, file), intField(root, "hidden_size", null, file),
                    intField(root, "num_hidden_layers", null, file), intField(root, "num_attention_heads", null, file),
                    intField(root, "intermediate_size", null, file), intField(root, "max_position_embeddings", 512, file),
                    intField(root, "type_vocab_size", 2, file), epsilon(root, file), act);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "is inconsistent: " + e.getMessage(), e);
        }
    }

    private static int intField(JsonNode root, String key, Integer fallback, String file) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (fallback == null) throw new ModelFormatException(file, "has no " + key);
            return fallback;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw new ModelFormatException(file, "has a non-integer " + key + ": " + n);
        return n.intValue();
    }

    private static float epsilon(JsonNode root, String file) {
        JsonNode n = root.get("layer_norm_eps");
        if (n == null || n.isNull()) return 1e-12f;
        if (!n.isNumber()) throw new ModelFormatException(file, "has a non-numeric layer_norm_eps: " + n);
        return (float) n.doubleValue();
    }

    /** A config.json that transformers loads as a BertModel. */
    public static byte[] writeConfig(BertConfig c) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add("BertModel");
        root.put("model_type", "bert");
        root.put("hidden_act", c.hiddenAct());
        root.put("hidden_size", c.hiddenSize());
        root.put("intermediate_size", c.intermediateSize());
        // The float's shortest decimal, so 1e-12f is written as 1.0E-12 and reads back identical.
        root.put("layer_norm_eps", new BigDecimal(Float.toString(c.layerNormEps())));
        root.put("max_position_embeddings", c.maxPositions());
        root.put("num_attention_heads", c.heads());
        root.put("num_hidden_layers", c.layers());
        root.put("position_embedding_type", "absolute");
        root.put("type_vocab_size", c.typeVocabSize());
        root.put("vocab_size", c.vocabSize());
        root.put("torch_dtype", "float32");
        return write(root);
    }

    // ---- sentence-transformers pooling

    /**
     * The pooling a sentence-transformers model declares, or null without a pooling config.
     * Normalization follows modules.json: on when it lists a Normalize module, and assumed on
     * when there is no modules.json.
     */
    public static Pooling readPooling(byte[] poolingConfig, String poolingFile, byte[] modules, String modulesFile) {
        if (poolingConfig == null) return null;
        JsonNode root = parse(poolingConfig, poolingFile);
        List<String> enabled = new ArrayList<>();
        root.properties().forEach(e -> {
            if (e.getKey().startsWith("pooling_mode") && e.getValue().asBoolean(false)) enabled.add(e.getKey());
        });
        if (enabled.size() != 1) {
            throw new ModelFormatException(poolingFile, enabled.isEmpty() ? "enables no pooling mode"
                    : "combines the pooling modes " + enabled + "; only one of cls, mean or max is supported");
        }
        Pooling.Mode mode = POOLING_FLAGS.get(enabled.get(0));
        if (mode == null) {
            throw new ModelFormatException(poolingFile, "uses " + enabled.get(0) + "; only cls, mean or max pooling is supported");
        }
        return new Pooling(mode, modules == null || normalizes(modules, modulesFile));
    }

    private static boolean normalizes(byte[] modules, String file) {
        JsonNode root = parse(modules, file);
        if (!root.isArray()) throw new ModelFormatException(file, "is not a JSON array of modules");
        boolean normalize = false;
        for (JsonNode m : root) {
            String type = m.path("type").asText("");
            switch (type) {
                case ST + "Normalize" -> normalize = true;
                case ST + "Transformer", ST + "Pooling" -> { }
                default -> throw new ModelFormatException(file, "has a module of type \"" + type
                        + "\"; only Transformer, Pooling and Normalize are supported");
            }
        }
        return normalize;
    }

    public static byte[] writePoolingConfig(Pooling p, int hiddenSize) {
        ObjectNode root = JSON.createObjectNode();
        root.put("word_embedding_dimension", hiddenSize);
        root.put("pooling_mode_cls_token", p.mode() == Pooling.Mode.CLS);
        root.put("pooling_mode_mean_tokens", p.mode() == Pooling.Mode.MEAN);
        root.put("pooling_mode_max_tokens", p.mode() == Pooling.Mode.MAX);
        root.put("pooling_mode_mean_sqrt_len_tokens", false);
        return write(root);
    }

    /** Transformer, Pooling and, when normalizing, Normalize, as sentence-transformers saves them. */
    public static byte[] writeModules(Pooling p) {
        ArrayNode root = JSON.createArrayNode();
        module(root, "", "Transformer");
        module(root, "1_Pooling", "Pooling");
        if (p.normalize()) module(root, "2_Normalize", "Normalize");
        return write(root);
    }

    private static void module(ArrayNode into, String path, String type) {
        int idx = into.size();
        into.addObject().put("idx", idx).put("name", Integer.toString(idx)).put("path", path).put("type", ST + type);
    }

    // ---- JSON

    private static JsonNode parse(byte[] json, String file) {
        try {
            JsonNode root = JSON.readTree(json);
            if (root == null || root.isMissingNode()) throw new ModelFormatException(file, "is empty");
            if (!root.isContainerNode()) throw new ModelFormatException(file, "is not a JSON object or array");
            return root;
        } catch (JacksonException e) {
            throw new ModelFormatException(file, "is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (java.io.IOException e) {
            throw new ModelFormatException(file, "cannot be read: " + e.getMessage(), e);
        }
    }

    private static byte[] write(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (JacksonException e) {
            throw new IllegalStateException(e);
        }
    }
}
