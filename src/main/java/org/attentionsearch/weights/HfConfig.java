package org.attentionsearch.weights;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.ModelType;
import org.attentionsearch.model.Pooling;
import org.attentionsearch.model.Rope;
import org.attentionsearch.text.Excerpt;

/**
 * Hugging Face's config.json (BERT, GPT-2 and Llama-family models), and sentence-transformers'
 * 1_Pooling/config.json and modules.json, which say how token vectors become an embedding.
 */
public final class HfConfig {

    public static final String CONFIG = "config.json";
    public static final String POOLING_CONFIG = "1_Pooling/config.json";
    public static final String MODULES = "modules.json";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    private static final String ST = "sentence_transformers.models.";
    private static final Map<String, Pooling.Mode> POOLING_FLAGS = Map.of(
            "pooling_mode_cls_token", Pooling.Mode.CLS,
            "pooling_mode_mean_tokens", Pooling.Mode.MEAN,
            "pooling_mode_max_tokens", Pooling.Mode.MAX,
            "pooling_mode_lasttoken", Pooling.Mode.LAST);

    private HfConfig() {
    }

    // ---- config.json

    /**
     * Reads a config.json of a BERT encoder, GPT-2, or a Llama-family decoder (Llama, Mistral,
     * SmolLM2, Qwen2/2.5, Qwen3); other architectures, activations and position schemes are
     * refused with a sentence. Absent keys take transformers' defaults for that model type.
     */
    public static ModelConfig readConfig(byte[] json, String file) {
        JsonNode root = parse(json, file);
        String id = modelType(root);
        ModelType type = ModelType.byId(id).orElseThrow(() -> new ModelFormatException(file, "describes a "
                + (id.isEmpty() ? "model of unknown type" : "'" + Excerpt.of(id) + "' model") + "; supported are " + ModelType.supported()));
        try {
            return switch (type.family()) {
                case BERT -> bert(root, file);
                case GPT2 -> gpt2(root, file);
                case LLAMA -> llama(root, type, file);
            };
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file, "is inconsistent: " + e.getMessage(), e);
        }
    }

    /** model_type, or else what the first architecture's class name says. */
    private static String modelType(JsonNode root) {
        String type = root.path("model_type").asText("");
        if (!type.isEmpty()) return type;
        for (JsonNode a : root.path("architectures")) {
            String name = a.asText();
            for (ModelType t : ModelType.values()) {
                String stem = t.transformersClass().replaceFirst("(Model|LMHeadModel|ForCausalLM)$", "");
                // The stem and a task head only: Qwen2MoeForCausalLM or Qwen2VLForConditionalGeneration are other models.
                if (name.matches(java.util.regex.Pattern.quote(stem) + "(Model|LMHeadModel|For[A-Z][A-Za-z]*)")) return t.id();
            }
        }
        return "";
    }

    private static ModelConfig bert(JsonNode root, String file) {
        String act = root.path("hidden_act").asText("gelu");
        if (!act.equals("gelu")) {
            throw new ModelFormatException(file, "uses hidden_act \"" + Excerpt.of(act) + "\"; only \"gelu\" (exact, erf) is supported");
        }
        String positions = root.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw new ModelFormatException(file, "uses position_embedding_type \"" + Excerpt.of(positions) + "\"; only \"absolute\" is supported");
        }
        return ModelConfig.bert(size(root, "vocab_size", null, file), size(root, "hidden_size", null, file),
                size(root, "num_hidden_layers", null, file), size(root, "num_attention_heads", null, file),
                size(root, "intermediate_size", null, file), size(root, "max_position_embeddings", 512, file),
                intField(root, "type_vocab_size", 2, file), floatField(root, "layer_norm_eps", 1e-12, file));
    }

    private static ModelConfig gpt2(JsonNode root, String file) {
        String act = root.path("activation_function").asText("gelu_new");
        ModelConfig.Activation activation = switch (act) {
            case "gelu_new", "gelu_pytorch_tanh" -> ModelConfig.Activation.GELU_TANH;
            case "gelu" -> ModelConfig.Activation.GELU;
            default -> throw new ModelFormatException(file, "uses activation_function \"" + Excerpt.of(act) + "\"; only gelu_new and gelu are supported");
        };
        if (!root.path("scale_attn_weights").asBoolean(true) || root.path("scale_attn_by_inverse_layer_idx").asBoolean(false)) {
            throw new ModelFormatException(file, "scales attention other than by 1/√d, which is not supported");
        }
        int hidden = size(root, "n_embd", 768, file), heads = size(root, "n_head", 12, file);
        if (hidden % heads != 0) throw new ModelFormatException(file, "has n_embd " + hidden + " not divisible by n_head " + heads);
        return ModelConfig.gpt2(size(root, "vocab_size", 50257, file), hidden, size(root, "n_layer", 12, file), heads,
                size(root, "n_inner", 4 * hidden, file), size(root, "n_positions", 1024, file),
                floatField(root, "layer_norm_epsilon", 1e-5, file), activation, root.path("tie_word_embeddings").asBoolean(true));
    }

    private static ModelConfig llama(JsonNode root, ModelType type, String file) {
        String act = root.path("hidden_act").asText("silu");
        if (!act.equals("silu")) throw new ModelFormatException(file, "uses hidden_act \"" + Excerpt.of(act) + "\"; only \"silu\" (SwiGLU) is supported");
        if (root.path("mlp_bias").asBoolean(false)) throw new ModelFormatException(file, "has biases in the feed-forward (mlp_bias), which are not supported");
        int hidden = size(root, "hidden_size", null, file), heads = size(root, "num_attention_heads", null, file);
        int headSize = size(root, "head_dim", hidden % heads == 0 ? hidden / heads : null, file);
        int window = 0;
        boolean slidingOn = type == ModelType.MISTRAL || root.path("use_sliding_window").asBoolean(false);
        if (slidingOn && root.hasNonNull("sliding_window")) {
            if (type != ModelType.MISTRAL) {
                throw new ModelFormatException(file, "uses sliding-window attention on some layers (use_sliding_window), which is not supported");
            }
            window = size(root, "sliding_window", null, file);
        }
        JsonNode parameters = root.path("rope_parameters"); // transformers 5 keeps θ and scaling together here
        double theta = parameters.isObject() && parameters.has("rope_theta") ? doubleField(parameters, "rope_theta", 10000, file)
                : doubleField(root, "rope_theta", 10000, file);
        JsonNode scaling = root.hasNonNull("rope_scaling") ? root.get("rope_scaling") : parameters;
        Rope rope = new Rope(theta, (int) Math.round(headSize * doubleField(root, "partial_rotary_factor", 1, file)),
                ropeScaling(scaling, file));
        boolean bias = type == ModelType.QWEN2 || root.path("attention_bias").asBoolean(false);
        return ModelConfig.llama(type, size(root, "vocab_size", null, file), hidden, size(root, "num_hidden_layers", null, file),
                heads, size(root, "num_key_value_heads", heads, file), headSize, size(root, "intermediate_size", null, file),
                size(root, "max_position_embeddings", 2048, file), floatField(root, "rms_norm_eps", 1e-6, file), rope, bias,
                type == ModelType.QWEN3, root.path("tie_word_embeddings").asBoolean(false), window);
    }

    /** rope_scaling: none, linear or llama3; others (yarn, dynamic, longrope …) are refused. */
    private static Rope.Scaling ropeScaling(JsonNode n, String file) {
        if (n == null || n.isNull() || n.isMissingNode()) return new Rope.Scaling.None();
        if (!n.isObject()) throw new ModelFormatException(file, "has a rope_scaling that is not an object: " + Excerpt.of(n));
        String type = n.path("rope_type").asText(n.path("type").asText("default"));
        return switch (type) {
            case "default" -> new Rope.Scaling.None();
            case "linear" -> new Rope.Scaling.Linear(doubleField(n, "factor", null, file));
            case "llama3" -> new Rope.Scaling.Llama3(doubleField(n, "factor", null, file), doubleField(n, "low_freq_factor", null, file),
                    doubleField(n, "high_freq_factor", null, file), intField(n, "original_max_position_embeddings", null, file));
            default -> throw new ModelFormatException(file, "uses rope scaling of type \"" + Excerpt.of(type) + "\"; only linear and llama3 are supported");
        };
    }

    /** A size that must be a positive integer, named in the message when it is not. */
    private static int size(JsonNode root, String key, Integer fallback, String file) {
        int v = intField(root, key, fallback, file);
        if (v <= 0) throw new ModelFormatException(file, "has " + key + " " + v + "; it must be positive");
        return v;
    }

    private static int intField(JsonNode root, String key, Integer fallback, String file) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (fallback == null) throw new ModelFormatException(file, "has no " + key);
            return fallback;
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt()) throw new ModelFormatException(file, "has a non-integer " + key + ": " + Excerpt.of(n));
        return n.intValue();
    }

    private static double doubleField(JsonNode root, String key, Number fallback, String file) {
        JsonNode n = root.get(key);
        if (n == null || n.isNull()) {
            if (fallback == null) throw new ModelFormatException(file, "has no " + key);
            return fallback.doubleValue();
        }
        if (!n.isNumber() || !Double.isFinite(n.doubleValue())) throw new ModelFormatException(file, "has a non-numeric " + key + ": " + Excerpt.of(n));
        return n.doubleValue();
    }

    private static float floatField(JsonNode root, String key, double fallback, String file) {
        return (float) doubleField(root, key, fallback, file);
    }

    /** A config.json that transformers loads as this model's class, and that {@link #readConfig} reads back equal. */
    public static byte[] writeConfig(ModelConfig c) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add(c.modelType().transformersClass());
        root.put("model_type", c.modelType().id());
        switch (c.family()) {
            case BERT -> {
                root.put("hidden_act", "gelu");
                root.put("hidden_size", c.hiddenSize());
                root.put("intermediate_size", c.intermediateSize());
                root.put("layer_norm_eps", exact(c.normEps()));
                root.put("max_position_embeddings", c.maxPositions());
                root.put("num_attention_heads", c.heads());
                root.put("num_hidden_layers", c.layers());
                root.put("position_embedding_type", "absolute");
                root.put("type_vocab_size", c.typeVocabSize());
            }
            case GPT2 -> {
                root.put("activation_function", c.activation() == ModelConfig.Activation.GELU ? "gelu" : "gelu_new");
                root.put("layer_norm_epsilon", exact(c.normEps()));
                root.put("n_embd", c.hiddenSize());
                root.put("n_head", c.heads());
                root.put("n_inner", c.intermediateSize());
                root.put("n_layer", c.layers());
                root.put("n_positions", c.maxPositions());
                root.put("tie_word_embeddings", c.tiedEmbeddings());
            }
            case LLAMA -> {
                root.put("attention_bias", c.attentionBias());
                root.put("head_dim", c.headSize());
                root.put("hidden_act", "silu");
                root.put("hidden_size", c.hiddenSize());
                root.put("intermediate_size", c.intermediateSize());
                root.put("max_position_embeddings", c.maxPositions());
                root.put("num_attention_heads", c.heads());
                root.put("num_hidden_layers", c.layers());
                root.put("num_key_value_heads", c.kvHeads());
                root.put("rms_norm_eps", exact(c.normEps()));
                root.put("rope_theta", c.rope().theta());
                if (c.rope().dimensions() != c.headSize()) root.put("partial_rotary_factor", (double) c.rope().dimensions() / c.headSize());
                writeScaling(root, c.rope().scaling());
                if (c.slidingWindow() > 0) root.put("sliding_window", c.slidingWindow());
                else if (c.modelType() == ModelType.MISTRAL) root.putNull("sliding_window");
                root.put("tie_word_embeddings", c.tiedEmbeddings());
            }
        }
        root.put("vocab_size", c.vocabSize());
        root.put("torch_dtype", "float32");
        return write(root);
    }

    private static void writeScaling(ObjectNode root, Rope.Scaling scaling) {
        switch (scaling) {
            case Rope.Scaling.None n -> root.putNull("rope_scaling");
            case Rope.Scaling.Linear l -> root.putObject("rope_scaling").put("rope_type", "linear").put("factor", l.factor());
            case Rope.Scaling.Llama3 l -> root.putObject("rope_scaling").put("rope_type", "llama3").put("factor", l.factor())
                    .put("low_freq_factor", l.lowFreqFactor()).put("high_freq_factor", l.highFreqFactor())
                    .put("original_max_position_embeddings", l.originalMaxPositions());
            case Rope.Scaling.Factors f -> throw new IllegalArgumentException(
                    "rotary frequency factors that match no rope_scaling type cannot be written to a config.json");
        }
    }

    /** The float's shortest decimal, so 1e-12f is written as 1.0E-12 and reads back identical. */
    private static BigDecimal exact(float f) {
        return new BigDecimal(Float.toString(f));
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
                    : "combines the pooling modes " + Excerpt.of(enabled) + "; only one of cls, mean, max or last token is supported");
        }
        Pooling.Mode mode = POOLING_FLAGS.get(enabled.get(0));
        if (mode == null) {
            throw new ModelFormatException(poolingFile, "uses " + Excerpt.of(enabled.get(0)) + "; only cls, mean, max or last-token pooling is supported");
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
                default -> throw new ModelFormatException(file, "has a module of type \"" + Excerpt.of(type)
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
        root.put("pooling_mode_lasttoken", p.mode() == Pooling.Mode.LAST);
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
