package org.attentionsearch.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.attentionsearch.testing.Vocabulary;

/**
 * GGUF tokenizer metadata made from a tokenizer.json (and tokenizer_config.json) the way llama.cpp's
 * convert_hf_to_gguf.py writes it, in the mapping the GGUF reader produces (integers {@code Long},
 * FLOAT32 {@code Float}, BOOL {@code Boolean}, arrays {@code List<Object>}):
 * <ul>
 *   <li>{@code tokenizer.ggml.model}: {@code gpt2} for byte-level vocabularies, {@code llama} for sentencepiece ones;
 *       {@code tokenizer.ggml.pre} as the converter's hash check names it (gpt-2, llama-bpe, qwen2).</li>
 *   <li>{@code tokenizer.ggml.tokens}: every id up to the largest, added tokens included, a missing id as
 *       {@code [PAD<id>]}; {@code tokenizer.ggml.token_type}: added tokens that are special or look special
 *       ({@code <|...|>}) control (3), other added tokens user-defined (4), missing ids unused (5), the rest normal (1);
 *       for sentencepiece: the unknown token 2, {@code <0xNN>} 6.</li>
 *   <li>{@code tokenizer.ggml.merges} (gpt2): tokenizer.json's merges as "left right" strings.</li>
 *   <li>{@code tokenizer.ggml.scores} (llama): the converter reads them from tokenizer.model, which the fixtures
 *       lack. A sentencepiece BPE model scores its pieces in merge order, and tokenizer.json's merges are that
 *       order, so a token made by merges scores minus the rank of the first merge that makes it; other normal
 *       tokens score below all of those, control, unknown and byte tokens 0.</li>
 *   <li>{@code bos/eos/unknown/padding_token_id} from the config's token names (GPT-2, without a config: 50256
 *       for BOS and EOS, as its config.json says); {@code add_bos_token}/{@code add_eos_token} from the template
 *       and the config as SpecialVocab reads them; {@code add_space_prefix} true for sentencepiece.</li>
 * </ul>
 */
final class GgufMetadata {
    private GgufMetadata() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Map<Vocabulary, Map<String, Object>> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    /** The metadata of one of the test vocabularies (made once; treat it as read-only). */
    static Map<String, Object> of(Vocabulary v) {
        return CACHE.computeIfAbsent(v, GgufMetadata::make);
    }

    private static Map<String, Object> make(Vocabulary v) {
        String pre = switch (v) {
            case GPT2 -> "gpt-2";
            case LLAMA3 -> "llama-bpe";
            case QWEN3 -> "qwen2";
            case LLAMA2 -> null;
        };
        return of(v.tokenizerJson(), v == Vocabulary.GPT2 ? null : v.tokenizerConfigJson(), pre, v == Vocabulary.GPT2 ? 50256 : -1);
    }

    /** @param pre null for a sentencepiece vocabulary; {@code defaultBosEos} the config.json ids when there is no tokenizer config */
    static Map<String, Object> of(byte[] tokenizerJson, byte[] configJson, String pre, int defaultBosEos) {
        try {
            JsonNode root = JSON.readTree(tokenizerJson);
            JsonNode config = configJson == null ? null : JSON.readTree(configJson);
            boolean sentencepiece = pre == null;
            Map<String, Integer> vocab = new HashMap<>();
            root.get("model").get("vocab").properties().forEach(e -> vocab.put(e.getKey(), e.getValue().intValue()));
            Map<Integer, JsonNode> added = new HashMap<>();
            for (JsonNode t : root.get("added_tokens")) {
                added.put(t.get("id").intValue(), t);
                vocab.put(t.get("content").textValue(), t.get("id").intValue());
            }
            int size = 0;
            for (int id : vocab.values()) {
                size = Math.max(size, id + 1);
            }
            String[] texts = new String[size];
            vocab.forEach((t, id) -> texts[id] = t);
            List<Object> tokens = new ArrayList<>(size);
            List<Object> types = new ArrayList<>(size);
            List<Object> scores = new ArrayList<>(size);
            String unk = root.get("model").path("unk_token").asText(null);
            Map<String, Integer> firstRank = new HashMap<>();
            int rank = 0;
            for (JsonNode merge : root.get("model").get("merges")) {
                String merged = merge.isTextual() ? merge.textValue().replaceFirst(" ", "") : merge.get(0).textValue() + merge.get(1).textValue();
                firstRank.putIfAbsent(merged, rank++);
            }
            int mergeCount = rank;
            for (int id = 0; id < size; id++) {
                String t = texts[id];
                long type;
                if (t == null) {
                    t = "[PAD" + id + "]";
                    type = 5;
                } else if (added.containsKey(id) && !(sentencepiece && t.equals(unk))) {
                    JsonNode a = added.get(id);
                    boolean special = a.path("special").asBoolean(false) || (t.startsWith("<|") && t.endsWith("|>"));
                    type = special ? 3 : 4;
                    if (!special) {
                        t = t.replace('\u2581', ' ');
                    }
                } else if (sentencepiece && t.equals(unk)) {
                    type = 2;
                } else if (sentencepiece && t.matches("<0x[0-9A-Fa-f]{2}>")) {
                    type = 6;
                } else {
                    type = 1;
                }
                tokens.add(t);
                types.add(type);
                scores.add(type != 1 ? 0f : (float) -firstRank.getOrDefault(t, mergeCount + id));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("tokenizer.ggml.model", sentencepiece ? "llama" : "gpt2");
            if (!sentencepiece) {
                m.put("tokenizer.ggml.pre", pre);
            }
            m.put("tokenizer.ggml.tokens", tokens);
            if (sentencepiece) {
                m.put("tokenizer.ggml.scores", scores);
            }
            m.put("tokenizer.ggml.token_type", types);
            if (!sentencepiece) {
                List<Object> merges = new ArrayList<>();
                for (JsonNode merge : root.get("model").get("merges")) {
                    merges.add(merge.isTextual() ? merge.textValue() : merge.get(0).textValue() + " " + merge.get(1).textValue());
                }
                m.put("tokenizer.ggml.merges", merges);
            }
            specialIds(root, config, vocab, defaultBosEos, m);
            if (sentencepiece) {
                m.put("tokenizer.ggml.add_space_prefix", true);
            }
            return m;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void specialIds(JsonNode root, JsonNode config, Map<String, Integer> vocab, int defaultBosEos,
                                   Map<String, Object> m) {
        if (config == null && defaultBosEos >= 0) {
            m.put("tokenizer.ggml.bos_token_id", (long) defaultBosEos);
            m.put("tokenizer.ggml.eos_token_id", (long) defaultBosEos);
        }
        // Whether the template adds BOS / EOS (SpecialVocab's reading of TemplateProcessing).
        JsonNode post = root.get("post_processor");
        if (post != null && !post.isNull()) {
            List<JsonNode> processors = new ArrayList<>();
            if (post.has("processors")) {
                post.get("processors").forEach(processors::add);
            } else {
                processors.add(post);
            }
            for (JsonNode p : processors) {
                if ("TemplateProcessing".equals(p.path("type").asText()) && p.get("single").size() > 1) {
                    JsonNode first = p.get("single").get(0).path("SpecialToken").path("id");
                    if (!first.isMissingNode()) {
                        m.put("tokenizer.ggml.add_bos_token", true);
                    }
                    JsonNode last = p.get("single").get(p.get("single").size() - 1).path("SpecialToken").path("id");
                    m.put("tokenizer.ggml.add_eos_token", !last.isMissingNode());
                }
            }
        }
        if (config == null) {
            return;
        }
        for (String typ : List.of("bos", "eos", "unk", "pad")) {
            JsonNode add = config.get("add_" + typ + "_token");
            if (add != null && add.isBoolean()) {
                m.put("tokenizer.ggml.add_" + typ + "_token", add.booleanValue());
            }
            JsonNode entry = config.get(typ + "_token");
            String content = entry == null ? null : entry.isTextual() ? entry.textValue() : entry.path("content").asText(null);
            if (content != null && vocab.containsKey(content)) {
                String key = switch (typ) {
                    case "unk" -> "unknown";
                    case "pad" -> "padding";
                    default -> typ;
                };
                m.put("tokenizer.ggml." + key + "_token_id", (long) vocab.get(content));
            }
        }
    }
}
