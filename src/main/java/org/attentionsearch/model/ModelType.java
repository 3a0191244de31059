package org.attentionsearch.model;

import java.util.Optional;

/**
 * The model types this engine runs, under the names Hugging Face (model_type) and llama.cpp
 * (general.architecture) give them, with the code path each takes.
 */
public enum ModelType {
    BERT("bert", "BertModel", "BERT encoder", ModelConfig.Family.BERT),
    GPT2("gpt2", "GPT2LMHeadModel", "GPT-2 decoder", ModelConfig.Family.GPT2),
    LLAMA("llama", "LlamaForCausalLM", "Llama decoder", ModelConfig.Family.LLAMA),
    MISTRAL("mistral", "MistralForCausalLM", "Mistral decoder (Llama family)", ModelConfig.Family.LLAMA),
    QWEN2("qwen2", "Qwen2ForCausalLM", "Qwen2 decoder (Llama family)", ModelConfig.Family.LLAMA),
    QWEN3("qwen3", "Qwen3ForCausalLM", "Qwen3 decoder (Llama family)", ModelConfig.Family.LLAMA);

    private final String id;
    private final String transformersClass;
    private final String label;
    private final ModelConfig.Family family;

    ModelType(String id, String transformersClass, String label, ModelConfig.Family family) {
        this.id = id;
        this.transformersClass = transformersClass;
        this.label = label;
        this.family = family;
    }

    /** config.json's model_type, and for the decoders llama.cpp runs as they are, GGUF's general.architecture. */
    public String id() {
        return id;
    }

    /** The class transformers loads it as (config.json's architectures[0]). */
    public String transformersClass() {
        return transformersClass;
    }

    /** E.g. "Qwen2 decoder (Llama family)". */
    public String label() {
        return label;
    }

    public ModelConfig.Family family() {
        return family;
    }

    public static Optional<ModelType> byId(String id) {
        for (ModelType t : values()) if (t.id.equals(id)) return Optional.of(t);
        return Optional.empty();
    }

    /** Every supported id, for messages: "bert, gpt2, llama, mistral, qwen2 and qwen3". */
    public static String supported() {
        StringBuilder s = new StringBuilder();
        ModelType[] all = values();
        for (int i = 0; i < all.length; i++) s.append(i == 0 ? "" : i == all.length - 1 ? " and " : ", ").append(all[i].id);
        return s.toString();
    }

    @Override
    public String toString() {
        return id;
    }
}
