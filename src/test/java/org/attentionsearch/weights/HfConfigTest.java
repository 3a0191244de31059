package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Pooling;
import org.junit.jupiter.api.Test;

class HfConfigTest {

    private static final String MINILM_CONFIG = """
            {"_name_or_path": "nreimers/MiniLM-L6-H384-uncased", "architectures": ["BertModel"],
             "attention_probs_dropout_prob": 0.1, "gradient_checkpointing": false, "hidden_act": "gelu",
             "hidden_dropout_prob": 0.1, "hidden_size": 384, "initializer_range": 0.02, "intermediate_size": 1536,
             "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert",
             "num_attention_heads": 12, "num_hidden_layers": 6, "pad_token_id": 0,
             "position_embedding_type": "absolute", "transformers_version": "4.8.2", "type_vocab_size": 2,
             "use_cache": true, "vocab_size": 30522}""";
    private static final ModelConfig MINILM = ModelConfig.bert(30522, 384, 6, 12, 1536, 512, 2, 1e-12f);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void readsAHuggingFaceBertConfig() {
        assertEquals(MINILM, HfConfig.readConfig(utf8(MINILM_CONFIG), "config.json"));
    }

    @Test
    void writtenConfigReadsBackIdentical() {
        ModelConfig odd = ModelConfig.bert(1000, 96, 3, 4, 200, 64, 1, 1e-5f);
        for (ModelConfig c : new ModelConfig[] {MINILM, odd}) {
            byte[] json = HfConfig.writeConfig(c);
            assertEquals(c, HfConfig.readConfig(json, "config.json"));
        }
        String text = new String(HfConfig.writeConfig(MINILM), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"model_type\" : \"bert\"") && text.contains("1.0E-12"), text);
    }

    private static void refusedConfig(String json, String expectedWords) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> HfConfig.readConfig(utf8(json), "m/config.json"));
        assertTrue(e.getMessage().startsWith("m/config.json: "), e.getMessage());
        assertTrue(e.getMessage().contains(expectedWords), e.getMessage());
    }

    @Test
    void otherArchitecturesAndActivationsAreRefused() {
        refusedConfig(MINILM_CONFIG.replace("\"bert\"", "\"roberta\"").replace("BertModel", "RobertaModel"), "roberta");
        refusedConfig("{\"model_type\": \"distilbert\", \"dim\": 768}", "distilbert");
        refusedConfig(MINILM_CONFIG.replace("\"gelu\"", "\"gelu_new\""), "gelu_new");
        refusedConfig(MINILM_CONFIG.replace("\"absolute\"", "\"relative_key\""), "relative_key");
        refusedConfig(MINILM_CONFIG.replace("\"hidden_size\"", "\"d_model\""), "hidden_size");
        refusedConfig(MINILM_CONFIG.replace("\"num_attention_heads\": 12", "\"num_attention_heads\": 7"), "divisible");
        refusedConfig(MINILM_CONFIG.substring(0, 100), "JSON");
        refusedConfig("", "");
        refusedConfig("[1]", "supported are bert");
    }

    @Test
    void bertArchitectureWithoutModelTypeIsAccepted() {
        assertEquals(MINILM, HfConfig.readConfig(utf8(MINILM_CONFIG.replace("\"model_type\": \"bert\",", "")), "c"));
    }

    private static Pooling pooling(String config, String modules) {
        return HfConfig.readPooling(config == null ? null : utf8(config), "1_Pooling/config.json",
                modules == null ? null : utf8(modules), "modules.json");
    }

    private static final String MODULES_NORMALIZED = """
            [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
             {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
             {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}]""";

    @Test
    void readsSentenceTransformersPooling() {
        String cls = "{\"word_embedding_dimension\": 384, \"pooling_mode_cls_token\": true,"
                + " \"pooling_mode_mean_tokens\": false, \"pooling_mode_max_tokens\": false,"
                + " \"pooling_mode_mean_sqrt_len_tokens\": false}";
        assertEquals(Pooling.CLS_NORMALIZED, pooling(cls, MODULES_NORMALIZED));
        String mean = cls.replace("cls_token\": true", "cls_token\": false").replace("mean_tokens\": false", "mean_tokens\": true");
        assertEquals(Pooling.MEAN_NORMALIZED, pooling(mean, null));
        String unnormalized = MODULES_NORMALIZED.substring(0, MODULES_NORMALIZED.lastIndexOf(",\n")) + "]";
        assertEquals(new Pooling(Pooling.Mode.MEAN, false), pooling(mean, unnormalized));
        assertNull(pooling(null, MODULES_NORMALIZED));
    }

    @Test
    void writtenPoolingReadsBackIdentical() {
        for (Pooling.Mode mode : Pooling.Mode.values()) {
            for (boolean normalize : new boolean[] {true, false}) {
                Pooling p = new Pooling(mode, normalize);
                assertEquals(p, HfConfig.readPooling(HfConfig.writePoolingConfig(p, 384), "p",
                        HfConfig.writeModules(p), "m"));
            }
        }
    }

    @Test
    void unsupportedPoolingIsRefused() {
        for (String bad : new String[] {
                "{\"pooling_mode_cls_token\": true, \"pooling_mode_mean_tokens\": true}",
                "{\"pooling_mode_mean_sqrt_len_tokens\": true}",
                "{\"pooling_mode_cls_token\": false}",
                "{\"pooling_mode_cls_token\": tru"}) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> pooling(bad, null));
            assertTrue(e.getMessage().startsWith("1_Pooling/config.json: "), e.getMessage());
        }
        String dense = MODULES_NORMALIZED.replace("models.Normalize", "models.Dense");
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> pooling("{\"pooling_mode_cls_token\": true}", dense));
        assertTrue(e.getMessage().startsWith("modules.json: ") && e.getMessage().contains("Dense"), e.getMessage());
    }

    private static final String LLAMA_CONFIG = """
            {"model_type": "llama", "hidden_size": 64, "num_attention_heads": 4, "num_key_value_heads": 2,
             "num_hidden_layers": 2, "intermediate_size": 128, "vocab_size": 300, "rms_norm_eps": 1e-5,
             "rope_theta": 10000.0, "max_position_embeddings": 256}""";

    @Test
    void epsilonsAndRopeParametersMustBePositiveNumbers() {
        for (String eps : new String[] {"-1", "0", "0.0", "-1e-12"}) {
            refusedConfig(MINILM_CONFIG.replace("\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": " + eps), "not a positive number");
            refusedConfig(LLAMA_CONFIG.replace("\"rms_norm_eps\": 1e-5", "\"rms_norm_eps\": " + eps), "not a positive number");
        }
        refusedConfig(MINILM_CONFIG.replace("\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": 1e999"), "layer_norm_eps");
        refusedConfig(MINILM_CONFIG.replace("\"layer_norm_eps\": 1e-12", "\"layer_norm_eps\": \"small\""), "layer_norm_eps");
        for (String theta : new String[] {"-1", "0", "1e999"}) {
            refusedConfig(LLAMA_CONFIG.replace("\"rope_theta\": 10000.0", "\"rope_theta\": " + theta), "theta");
        }
        refusedConfig(LLAMA_CONFIG.replace("}", ", \"rope_scaling\": {\"rope_type\": \"linear\", \"factor\": -2}}"), "factor");
        refusedConfig(LLAMA_CONFIG.replace("}", ", \"partial_rotary_factor\": -0.5}"), "rotary");
    }

    /** Declared sizes far beyond any model are refused at once, before anything is sized by them. */
    @Test
    void absurdSizesAreRefusedAtOnce() {
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            for (String layers : new String[] {"100000", "2147483647"}) {
                refusedConfig(MINILM_CONFIG.replace("\"num_hidden_layers\": 6", "\"num_hidden_layers\": " + layers), "number of layers");
            }
            refusedConfig(MINILM_CONFIG.replace("\"num_hidden_layers\": 6", "\"num_hidden_layers\": 4294967296"), "num_hidden_layers");
            refusedConfig(LLAMA_CONFIG.replace("\"vocab_size\": 300", "\"vocab_size\": 2147483647"), "vocabulary size");
            refusedConfig(LLAMA_CONFIG.replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 65536")
                    .replace("}", ", \"head_dim\": 65536}"), "heads");
            refusedConfig(LLAMA_CONFIG.replace("\"max_position_embeddings\": 256", "\"max_position_embeddings\": 2147483647"), "positions");
        });
    }

    @Test
    void trailingTokensAfterTheObjectAreRefused() {
        assertEquals(MINILM, HfConfig.readConfig(utf8(MINILM_CONFIG + "\n  \n"), "config.json"));
        refusedConfig(MINILM_CONFIG + "}", "JSON");
        refusedConfig(MINILM_CONFIG + " {\"model_type\": \"gpt2\"}", "JSON");
        refusedConfig(MINILM_CONFIG + "garbage", "JSON");
    }

    @Test
    void echoedValuesAreBounded() {
        String huge = "x".repeat(5_000_000);
        ModelFormatException e = assertThrows(ModelFormatException.class,
                () -> HfConfig.readConfig(utf8(MINILM_CONFIG.replace("\"gelu\"", "\"" + huge + "\"")), "m/config.json"));
        assertTrue(e.getMessage().length() < 300 && e.getMessage().contains("xxx…"), e.getMessage());
        e = assertThrows(ModelFormatException.class,
                () -> HfConfig.readConfig(utf8(MINILM_CONFIG.replace("\"vocab_size\": 30522", "\"vocab_size\": [" + "1,".repeat(1_000_000) + "1]")), "m/config.json"));
        assertTrue(e.getMessage().length() < 300, e.getMessage());
        e = assertThrows(ModelFormatException.class,
                () -> HfConfig.readConfig(utf8(MINILM_CONFIG.replace("\"bert\"", "\"line\\nbreak\"")), "m/config.json"));
        assertTrue(e.getMessage().contains("line\\nbreak") && e.getMessage().lines().count() == 1, e.getMessage());
    }
}
