package org.attentionsearch.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.attentionsearch.testing.GgufWriter.Value;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The tokenizer metadata llama.cpp's convert_hf_to_gguf.py writes for a vocabulary, in its
 * order. Byte-level BPE vocabularies take its GPT-2 path: every id up to the model's vocab_size
 * (absent ones as "[PADi]", unused), added tokens as control when special or looking special
 * ({@code <|…|>}) and user-defined otherwise, the merges as "a b" strings, the pre-tokenizer
 * name its hash check gives. The sentencepiece vocabulary takes its sentencepiece path:
 * scores, byte and control types, then tokenizer_config.json's added tokens as control tokens
 * scored −1000. Special token ids and add_*_token flags follow its SpecialVocab:
 * tokenizer_config.json's tokens first, then config.json's ids, then the post-processor's
 * template and tokenizer_config.json's flags.
 * <p>
 * The sentencepiece scores are what the original tokenizer.model holds, recovered from
 * tokenizer.json (which has none): a sentencepiece BPE model scores its normal pieces by rank,
 * −(id − first normal id), and transformers' converter orders tokenizer.json's merges by those
 * scores, so pieces whose merges come after those of every higher id are the ones scored
 * −10⁹ (Llama 2 scores its runs of "▁" so). Converting the Hugging Face directory alone would
 * score every piece −1000, a vocabulary llama.cpp cannot tokenize by rank.
 */
public final class ConvertedTokenizer {

    /** gguf-py's TokenType. */
    public static final int NORMAL = 1, UNKNOWN = 2, CONTROL = 3, USER_DEFINED = 4, UNUSED = 5, BYTE = 6;
    private static final List<String> SPECIAL_TYPES = List.of("bos", "eos", "unk", "sep", "pad", "cls", "mask");
    private static final Map<String, String> ID_KEYS = Map.of("bos", "bos_token_id", "eos", "eos_token_id",
            "unk", "unknown_token_id", "sep", "seperator_token_id", "pad", "padding_token_id", "cls", "cls_token_id",
            "mask", "mask_token_id");

    private ConvertedTokenizer() {
    }

    private record Key(Vocabulary vocabulary, int rows, int configBos, int configEos) {
    }

    private static final Map<Key, Map<String, Value>> CACHE = new HashMap<>();

    /**
     * The metadata for {@code vocabulary} in a model of {@code rows} embedding rows whose
     * config.json gives these ids, unmodifiable (and made once per JVM).
     */
    public static synchronized Map<String, Value> metadata(Vocabulary vocabulary, int rows, int configBos, int configEos) {
        return CACHE.computeIfAbsent(new Key(vocabulary, rows, configBos, configEos),
                k -> Collections.unmodifiableMap(convert(vocabulary, rows, configBos, configEos)));
    }

    private static Map<String, Value> convert(Vocabulary vocabulary, int rows, int configBos, int configEos) {
        JsonNode tokenizer = vocabulary.tokenizer();
        JsonNode config = vocabulary.tokenizerConfig();
        Map<String, Value> m = new LinkedHashMap<>();
        if (vocabulary.byteLevel()) {
            byteLevel(vocabulary, tokenizer, rows, m);
        } else {
            sentencepiece(tokenizer, config, rows, m);
        }
        special(tokenizer, config, rows, configBos, configEos, vocabulary.byteLevel(), m);
        return m;
    }

    /** The name convert_hf_to_gguf.py's pre-tokenizer hash gives each byte-level vocabulary. */
    public static String preTokenizer(Vocabulary vocabulary) {
        return switch (vocabulary) {
            case LLAMA3 -> "llama-bpe";
            case QWEN3 -> "qwen2";
            case GPT2 -> "gpt-2";
            case LLAMA2 -> "default";
        };
    }

    private static void byteLevel(Vocabulary vocabulary, JsonNode tokenizer, int rows, Map<String, Value> m) {
        String[] tokens = new String[rows];
        int[] types = new int[rows];
        for (Iterator<Map.Entry<String, JsonNode>> it = tokenizer.get("model").get("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = e.getValue().intValue();
            if (id < rows) {
                tokens[id] = e.getKey();
                types[id] = NORMAL;
            }
        }
        for (JsonNode added : tokenizer.get("added_tokens")) {
            int id = added.get("id").intValue();
            if (id >= rows) continue;
            addedToken(tokens, types, id, added.get("content").asText(), added.get("special").asBoolean());
        }
        for (int i = 0; i < rows; i++) {
            if (tokens[i] == null) {
                tokens[i] = "[PAD" + i + "]";
                types[i] = UNUSED;
            }
        }
        m.put("tokenizer.ggml.model", Value.string("gpt2"));
        m.put("tokenizer.ggml.pre", Value.string(preTokenizer(vocabulary)));
        m.put("tokenizer.ggml.tokens", Value.strings(Arrays.asList(tokens)));
        m.put("tokenizer.ggml.token_type", Value.int32s(types));
        List<String> merges = new ArrayList<>();
        for (JsonNode merge : tokenizer.get("model").get("merges")) {
            if (merge.isTextual()) {
                merges.add(merge.asText());
            } else { // ["a", "b"]: a space inside a part is written as U+0120, as in byte-level text
                merges.add(merge.get(0).asText().replace(' ', '\u0120') + " " + merge.get(1).asText().replace(' ', '\u0120'));
            }
        }
        m.put("tokenizer.ggml.merges", Value.strings(merges));
    }

    /** An added token as both paths write it: control when special or looking so, else user-defined with "▁" as a space. */
    private static void addedToken(String[] tokens, int[] types, int id, String content, boolean special) {
        boolean control = special || looksSpecial(content);
        tokens[id] = control ? content : content.replace("\u2581", " ");
        types[id] = control ? CONTROL : USER_DEFINED;
    }

    /** convert_hf_to_gguf.py's does_token_look_special. */
    static boolean looksSpecial(String token) {
        return token.equals("<pad>") || token.equals("<mask>") || token.equals("<2mass>") || token.equals("[@BOS@]")
                || (token.startsWith("<|") && token.endsWith("|>"))
                || (token.startsWith("<\uff5c") && token.endsWith("\uff5c>"))
                || (token.startsWith("<unused") && token.endsWith(">"));
    }

    private static void sentencepiece(JsonNode tokenizer, JsonNode config, int rows, Map<String, Value> m) {
        String[] tokens = new String[rows];
        float[] scores = new float[rows];
        int[] types = new int[rows];
        Arrays.fill(scores, -10000f);
        Arrays.fill(types, UNUSED);
        JsonNode model = tokenizer.get("model");
        String unk = model.path("unk_token").asText(null);
        Map<String, Integer> ids = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = model.get("vocab").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            ids.put(e.getKey(), e.getValue().intValue());
        }
        Set<Integer> control = new HashSet<>();
        for (JsonNode added : tokenizer.get("added_tokens")) if (added.get("special").asBoolean()) control.add(added.get("id").intValue());
        int firstNormal = Integer.MAX_VALUE;
        for (Map.Entry<String, Integer> e : ids.entrySet()) {
            int id = e.getValue();
            String piece = e.getKey();
            tokens[id] = piece;
            scores[id] = 0;
            if (piece.equals(unk)) {
                types[id] = UNKNOWN;
            } else if (control.contains(id)) {
                types[id] = CONTROL;
            } else if (piece.matches("<0x[0-9A-F]{2}>")) {
                types[id] = BYTE;
            } else {
                types[id] = NORMAL;
                firstNormal = Math.min(firstNormal, id);
            }
        }
        boolean[] demoted = demotedPieces(model, ids, rows);
        for (int id = 0; id < rows; id++) {
            if (types[id] == NORMAL) scores[id] = demoted[id] ? -1e9f : -(id - firstNormal);
        }
        // tokenizer_config.json's added tokens: control when special (or looking so), scored -1000
        JsonNode decoder = config.path("added_tokens_decoder");
        for (Iterator<Map.Entry<String, JsonNode>> it = decoder.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            int id = Integer.parseInt(e.getKey());
            if (id >= rows) continue;
            addedToken(tokens, types, id, e.getValue().get("content").asText(), e.getValue().path("special").asBoolean());
            scores[id] = -1000f;
        }
        for (int i = 0; i < rows; i++) if (tokens[i] == null) tokens[i] = "[PAD" + i + "]";
        m.put("tokenizer.ggml.model", Value.string("llama"));
        m.put("tokenizer.ggml.pre", Value.string("default"));
        m.put("tokenizer.ggml.tokens", Value.strings(Arrays.asList(tokens)));
        m.put("tokenizer.ggml.scores", Value.float32s(scores));
        m.put("tokenizer.ggml.token_type", Value.int32s(types));
    }

    /**
     * Pieces ranked last by their merges: transformers orders a sentencepiece model's merges by
     * the merged piece's score, so a piece whose first merge comes after the first merge of some
     * piece with a higher id (a lower rank) must have been scored below all of them.
     */
    private static boolean[] demotedPieces(JsonNode model, Map<String, Integer> ids, int rows) {
        long[] firstMerge = new long[rows];
        Arrays.fill(firstMerge, Long.MAX_VALUE);
        int index = 0;
        for (JsonNode merge : model.get("merges")) {
            String joined = merge.isTextual() ? merge.asText().replace(" ", "") : merge.get(0).asText() + merge.get(1).asText();
            Integer id = ids.get(joined);
            if (id != null && id < rows && firstMerge[id] == Long.MAX_VALUE) firstMerge[id] = index;
            index++;
        }
        boolean[] demoted = new boolean[rows];
        long laterMin = Long.MAX_VALUE; // the earliest first merge among higher ids
        for (int id = rows - 1; id >= 0; id--) {
            if (firstMerge[id] != Long.MAX_VALUE) {
                demoted[id] = firstMerge[id] > laterMin;
                laterMin = Math.min(laterMin, firstMerge[id]);
            }
        }
        return demoted;
    }

    /** SpecialVocab: special token ids, add_*_token flags and the chat template. */
    private static void special(JsonNode tokenizer, JsonNode config, int rows, int configBos, int configEos, boolean byteLevel,
                                Map<String, Value> m) {
        Map<String, Integer> ids = new LinkedHashMap<>();
        Map<String, Boolean> add = new LinkedHashMap<>();
        Map<String, String> configTokens = new HashMap<>();
        for (String type : SPECIAL_TYPES) {
            JsonNode entry = config.get(type + "_token");
            if (entry != null && entry.isTextual()) configTokens.put(type, entry.asText());
            else if (entry != null && entry.isObject() && entry.path("content").isTextual()) configTokens.put(type, entry.get("content").asText());
        }
        templateFlags(tokenizer.path("post_processor"), configTokens, add);
        for (String type : SPECIAL_TYPES) {
            JsonNode flag = config.get("add_" + type + "_token");
            if (flag != null && flag.isBoolean()) add.put(type, flag.asBoolean());
            String content = configTokens.get(type);
            if (content == null) continue;
            for (JsonNode added : tokenizer.get("added_tokens")) {
                if (added.get("content").asText().equals(content)) {
                    setId(ids, type, added.get("id").intValue(), byteLevel ? Integer.MAX_VALUE : rows);
                    break;
                }
            }
        }
        setId(ids, "bos", configBos, byteLevel ? Integer.MAX_VALUE : rows);
        setId(ids, "eos", configEos, byteLevel ? Integer.MAX_VALUE : rows);
        ids.forEach((type, id) -> m.put("tokenizer.ggml." + ID_KEYS.get(type), Value.uint32(id)));
        add.forEach((type, flag) -> m.put("tokenizer.ggml.add_" + type + "_token", Value.bool(flag)));
        if (config.path("chat_template").isTextual()) m.put("tokenizer.chat_template", Value.string(config.get("chat_template").asText()));
    }

    private static void setId(Map<String, Integer> ids, String type, int id, int limit) {
        if (id >= 0 && id < limit) ids.putIfAbsent(type, id);
    }

    /**
     * SpecialVocab's reading of a TemplateProcessing post-processor (the simple templates it
     * understands): a leading special token adds BOS, a trailing one EOS, and a special token
     * between A and B of the pair template adds SEP.
     */
    private static void templateFlags(JsonNode post, Map<String, String> configTokens, Map<String, Boolean> add) {
        List<JsonNode> processors = new ArrayList<>();
        if (post.has("processors")) post.get("processors").forEach(processors::add);
        else if (post.isObject()) processors.add(post);
        for (JsonNode p : processors) {
            if (!"TemplateProcessing".equals(p.path("type").asText())) continue;
            JsonNode single = p.path("single");
            String first = null;
            String last = null;
            if (single.size() > 1) {
                first = specialToken(single.get(0));
                if (first != null) {
                    if (!configTokens.containsKey("bos") && !configTokens.containsKey("cls")) configTokens.put("bos", first);
                    add.put("bos", first.equals(configTokens.get("bos")) || first.equals(configTokens.get("cls")));
                }
                last = specialToken(single.get(single.size() - 1));
                if (last != null) add.put("eos", last.equals(configTokens.get("eos")));
            }
            JsonNode pair = p.path("pair");
            if (pair.size() == 0) continue;
            int start = first != null && first.equals(specialToken(pair.get(0))) ? 1 : 0;
            int stop = last != null && last.equals(specialToken(pair.get(pair.size() - 1))) ? pair.size() - 1 : pair.size();
            if (stop - start < 3) continue;
            if (!"A".equals(pair.get(start).path("Sequence").path("id").asText(null))
                    || !"B".equals(pair.get(stop - 1).path("Sequence").path("id").asText(null))) {
                continue;
            }
            boolean sep = false;
            String e0 = specialToken(pair.get(start + 1));
            if (e0 != null && (e0.equals(configTokens.get("sep")) || e0.equals(configTokens.get("eos"))) && last == null) sep = true;
            if (stop - start == 4) {
                String e1 = specialToken(pair.get(start + 2));
                if (e1 != null && (e1.equals(configTokens.get("sep")) || e1.equals(configTokens.get("eos")))) sep = true;
            }
            add.put("sep", sep);
        }
    }

    private static String specialToken(JsonNode templatePiece) {
        return templatePiece.path("SpecialToken").path("id").asText(null);
    }
}
