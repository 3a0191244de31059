package org.attentionsearch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.attentionsearch.testing.SyntheticModels.Architecture;
import org.attentionsearch.testing.SyntheticModels.Spec;

import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * A synthetic model as transformers' save_pretrained leaves it: config.json (keys sorted, as
 * transformers writes them) with the real model family's fields, generation_config.json,
 * model.safetensors in F32, and the vocabulary's tokenizer.json and tokenizer_config.json.
 */
final class HuggingFaceDirectory {

    private static final String TRANSFORMERS_VERSION = "4.51.0";

    private HuggingFaceDirectory() {
    }

    /** Whether this family's config.json carries head_dim (and so GGUF key/value lengths). */
    static boolean savesHeadDim(Architecture arch) {
        return arch == Architecture.LLAMA || arch == Architecture.QWEN3;
    }

    /** The directory's files, model.safetensors linked to (or copied from) {@code safetensors}. */
    static void write(Spec s, Path safetensors, Path dir) {
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve("config.json"), json(config(s)));
            Files.write(dir.resolve("generation_config.json"), json(generationConfig(s)));
            Files.write(dir.resolve("tokenizer.json"), s.vocabulary().tokenizerJson());
            Files.write(dir.resolve("tokenizer_config.json"), s.vocabulary().tokenizerConfigJson());
            try {
                Files.createLink(dir.resolve("model.safetensors"), safetensors);
            } catch (IOException | UnsupportedOperationException e) {
                Files.copy(safetensors, dir.resolve("model.safetensors"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Object> config(Spec s) {
        Map<String, Object> c = new TreeMap<>();
        c.put("architectures", List.of(s.architecture().transformersClass()));
        c.put("bos_token_id", s.vocabulary().bos());
        c.put("eos_token_id", s.vocabulary().eos());
        c.put("initializer_range", 0.02);
        c.put("torch_dtype", "float32");
        c.put("transformers_version", TRANSFORMERS_VERSION);
        c.put("use_cache", true);
        c.put("vocab_size", s.vocabulary().size());
        if (s.architecture() == Architecture.GPT2) {
            c.put("activation_function", "gelu_new");
            c.put("attn_pdrop", 0.1);
            c.put("embd_pdrop", 0.1);
            c.put("layer_norm_epsilon", s.normEps());
            c.put("model_type", "gpt2");
            c.put("n_ctx", s.context());
            c.put("n_embd", s.hidden());
            c.put("n_head", s.heads());
            c.put("n_inner", null);
            c.put("n_layer", s.layers());
            c.put("n_positions", s.context());
            c.put("reorder_and_upcast_attn", false);
            c.put("resid_pdrop", 0.1);
            c.put("scale_attn_by_inverse_layer_idx", false);
            c.put("scale_attn_weights", true);
            c.put("summary_activation", null);
            c.put("summary_first_dropout", 0.1);
            c.put("summary_proj_to_labels", true);
            c.put("summary_type", "cls_index");
            c.put("summary_use_proj", true);
            return c;
        }
        c.put("attention_dropout", 0.0);
        c.put("hidden_act", "silu");
        c.put("hidden_size", s.hidden());
        c.put("intermediate_size", s.feedForward());
        c.put("max_position_embeddings", s.context());
        c.put("model_type", s.architecture().ggufName());
        c.put("num_attention_heads", s.heads());
        c.put("num_hidden_layers", s.layers());
        c.put("num_key_value_heads", s.kvHeads());
        c.put("rms_norm_eps", s.normEps());
        c.put("rope_theta", s.ropeTheta());
        c.put("tie_word_embeddings", s.tiedEmbeddings());
        if (savesHeadDim(s.architecture())) c.put("head_dim", s.headDim());
        switch (s.architecture()) {
            case LLAMA -> {
                c.put("attention_bias", false);
                c.put("mlp_bias", false);
                c.put("pretraining_tp", 1);
                c.put("rope_scaling", s.ropeScaling() ? llama3RopeScaling() : null);
            }
            case QWEN2, QWEN3 -> {
                if (s.architecture() == Architecture.QWEN3) c.put("attention_bias", false);
                c.put("max_window_layers", s.layers());
                c.put("rope_scaling", null);
                c.put("sliding_window", s.architecture() == Architecture.QWEN3 ? null : s.context());
                c.put("use_sliding_window", false);
            }
            default -> throw new IllegalStateException();
        }
        return c;
    }

    private static Map<String, Object> llama3RopeScaling() {
        GgufConversion.RopeScaling r = GgufConversion.RopeScaling.LLAMA3;
        Map<String, Object> m = new TreeMap<>();
        m.put("factor", (double) r.factor());
        m.put("high_freq_factor", (double) r.highFreqFactor());
        m.put("low_freq_factor", (double) r.lowFreqFactor());
        m.put("original_max_position_embeddings", r.originalContext());
        m.put("rope_type", "llama3");
        return m;
    }

    /** What the real models' generation_config.json says about their special tokens. */
    static Map<String, Object> generationConfig(Spec s) {
        Map<String, Object> g = new LinkedHashMap<>();
        Vocabulary v = s.vocabulary();
        g.put("bos_token_id", v.bos());
        if (v == Vocabulary.QWEN3) {
            g.put("eos_token_id", List.of(151645, 151643)); // <|im_end|>, <|endoftext|>
            g.put("pad_token_id", 151643);
        } else {
            g.put("eos_token_id", v.eos());
        }
        g.put("transformers_version", TRANSFORMERS_VERSION);
        return g;
    }

    private static byte[] json(Map<String, Object> value) {
        try {
            return Vocabulary.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
