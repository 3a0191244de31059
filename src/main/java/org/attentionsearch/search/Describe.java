package org.attentionsearch.search;

import org.attentionsearch.model.ModelConfig;

/** Short human descriptions of a model, for headers and the web app. */
public final class Describe {

    private Describe() {
    }

    /** E.g. "BERT encoder", "GPT-2 decoder", "Qwen2 decoder (Llama family)". */
    public static String architecture(ModelConfig c) {
        return switch (c.modelType()) {
            case "bert" -> "BERT encoder";
            case "gpt2" -> "GPT-2 decoder";
            case "llama" -> "Llama decoder";
            case "mistral" -> "Mistral decoder (Llama family)";
            case "qwen2" -> "Qwen2 decoder (Llama family)";
            case "qwen3" -> "Qwen3 decoder (Llama family)";
            default -> c.modelType();
        };
    }

    /** "12 heads" or, under grouped-query attention, "14 heads sharing 2 key/value heads". */
    public static String heads(ModelConfig c) {
        return c.kvHeads() == c.heads() ? c.heads() + " heads" : c.heads() + " heads sharing " + c.kvHeads() + " key/value heads";
    }
}
