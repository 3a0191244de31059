package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The tokenizer part of a GGUF file's metadata ({@code tokenizer.ggml.*}), checked, with llama.cpp's
 * defaults for what is missing. Token types are GGUF's: 1 normal, 2 unknown, 3 control,
 * 4 user-defined, 5 unused, 6 byte (0 undefined).
 *
 * @param model       {@code gpt2} (byte-level BPE) or {@code llama} (sentencepiece)
 * @param pre         the pre-tokenizer name of a {@code gpt2} vocabulary ("default" when absent)
 * @param scores      per token, 0 when the file has none
 * @param merges      "left right" strings in rank order ({@code gpt2} only, else empty)
 * @param bos         -1 when none; likewise the other ids
 * @param addBos      {@code tokenizer.ggml.add_bos_token}, or null when absent; likewise addEos, addSpacePrefix
 */
record GgufVocabulary(String model, String pre, List<String> tokens, float[] scores, int[] types, List<String> merges,
                      int bos, int eos, int unk, int pad, int eot, int eom, Boolean addBos, Boolean addEos,
                      Boolean addSpacePrefix) {

    static final int NORMAL = 1;
    static final int UNKNOWN = 2;
    static final int CONTROL = 3;
    static final int USER_DEFINED = 4;
    static final int UNUSED = 5;
    static final int BYTE = 6;

    private static final String PREFIX = "tokenizer.ggml.";

    /** @throws TokenizerFormatException naming the key that is missing or malformed */
    static GgufVocabulary read(Map<String, Object> metadata) {
        String model = string(metadata, "model", null);
        if (model == null) {
            throw new TokenizerFormatException("The GGUF metadata has no tokenizer (no tokenizer.ggml.model).");
        }
        if (!model.equals("gpt2") && !model.equals("llama")) {
            throw new TokenizerFormatException("The GGUF tokenizer model \"" + Excerpt.of(model)
                    + "\" is not supported; gpt2 (byte-level BPE) and llama (sentencepiece) are.");
        }
        List<String> tokens = strings(metadata, "tokens", true);
        int n = tokens.size();
        if (n == 0) {
            throw new TokenizerFormatException("The GGUF metadata's tokenizer.ggml.tokens is empty.");
        }
        List<String> texts = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            // llama.cpp renames empty tokens so that every token has a distinct, non-empty text.
            texts.add(tokens.get(i).isEmpty() ? "[EMPTY_" + i + "]" : tokens.get(i));
        }
        float[] scores = new float[n];
        List<Object> s = perToken(metadata, "scores", "", n);
        if (s != null) {
            for (int i = 0; i < n; i++) {
                if (!(s.get(i) instanceof Number num)) {
                    throw new TokenizerFormatException("The GGUF metadata's tokenizer.ggml.scores must be numbers.");
                }
                scores[i] = num.floatValue();
            }
        }
        int[] types = new int[n];
        List<Object> t = perToken(metadata, "token_type", " entries", n);
        if (t != null) {
            for (int i = 0; i < n; i++) {
                if (!(t.get(i) instanceof Long l)) {
                    throw new TokenizerFormatException("The GGUF metadata's tokenizer.ggml.token_type must be integers.");
                }
                types[i] = (int) (long) l;
            }
        } else {
            java.util.Arrays.fill(types, NORMAL);
        }
        List<String> merges = List.of();
        if (model.equals("gpt2")) {
            merges = strings(metadata, "merges", false);
            if (merges == null) {
                throw new TokenizerFormatException("The GGUF metadata has a gpt2 tokenizer without tokenizer.ggml.merges.");
            }
        }
        return new GgufVocabulary(model, string(metadata, "pre", "default"), texts, scores, types, merges,
                id(metadata, "bos_token_id"), id(metadata, "eos_token_id"), id(metadata, "unknown_token_id"),
                id(metadata, "padding_token_id"), id(metadata, "eot_token_id"), id(metadata, "eom_token_id"),
                bool(metadata, "add_bos_token"), bool(metadata, "add_eos_token"), bool(metadata, "add_space_prefix"));
    }

    int size() {
        return tokens.size();
    }

    /** The value of {@code tokenizer.ggml.<key>}, or null when absent; {@code must} says what it must be in the message. */
    private static <T> T value(Map<String, Object> m, String key, Class<T> type, String must) {
        Object v = m.get(PREFIX + key);
        if (v != null && !type.isInstance(v)) {
            throw new TokenizerFormatException("The GGUF metadata's " + PREFIX + key + " must be " + must + ".");
        }
        return type.cast(v);
    }

    private static String string(Map<String, Object> m, String key, String fallback) {
        String s = value(m, key, String.class, "a string");
        return s == null ? fallback : s;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Map<String, Object> m, String key) {
        return (List<Object>) value(m, key, List.class, "an array");
    }

    /** An array with an entry per token, or null when absent; {@code entries} names them in the message. */
    private static List<Object> perToken(Map<String, Object> m, String key, String entries, int n) {
        List<Object> l = list(m, key);
        if (l != null && l.size() < n) {
            throw new TokenizerFormatException("The GGUF metadata has fewer " + PREFIX + key + entries + " (" + l.size()
                    + ") than tokens (" + n + ").");
        }
        return l;
    }

    private static List<String> strings(Map<String, Object> m, String key, boolean required) {
        List<Object> l = list(m, key);
        if (l == null) {
            if (required) {
                throw new TokenizerFormatException("The GGUF metadata has no " + PREFIX + key + ".");
            }
            return null;
        }
        List<String> out = new ArrayList<>(l.size());
        for (Object o : l) {
            if (!(o instanceof String s)) {
                throw new TokenizerFormatException("The GGUF metadata's " + PREFIX + key + " must be an array of strings.");
            }
            out.add(s);
        }
        return out;
    }

    private static int id(Map<String, Object> m, String key) {
        Long l = value(m, key, Long.class, "an integer");
        if (l == null) {
            return -1;
        }
        return l < 0 || l > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) (long) l;
    }

    private static Boolean bool(Map<String, Object> m, String key) {
        return value(m, key, Boolean.class, "true or false");
    }
}
