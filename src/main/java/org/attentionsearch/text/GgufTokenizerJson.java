package org.attentionsearch.text;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A Hugging Face tokenizer.json for a GGUF vocabulary, the way transformers' converters write one:
 * <ul>
 *   <li>{@code gpt2}: the BPE model with the file's merges, a Split on the pre-tokenizer's pattern (GPT-2's
 *       own ByteLevel split for GPT-2 and the default; SmolLM's family with single digits first) then the
 *       byte-level step, the byte-level decoder; NFC first for Qwen2, whose Hugging Face tokenizer has it;
 *       {@code ignore_merges} for Llama 3's family.</li>
 *   <li>{@code llama}: the sentencepiece form of transformers' LlamaConverter: {@code ▁} prepended and spaces
 *       replaced by it, BPE with byte fallback and fused unknowns, the merges recovered from the scores
 *       (every split of a token into two tokens, higher-scored tokens first), and the matching decoder.</li>
 * </ul>
 * Control and unknown tokens (and the names llama.cpp treats as control) become special added tokens, user-defined ones plain added tokens; BOS
 * (and EOS) go into a TemplateProcessing when the file adds them.
 */
final class GgufTokenizerJson {
    private GgufTokenizerJson() {}

    private static final ObjectMapper JSON = new ObjectMapper();

    static byte[] export(Map<String, Object> metadata) {
        GgufVocabulary v = GgufVocabulary.read(metadata);
        Tokenizer tokenizer = GgufTokenizer.fromMetadata(metadata);
        boolean sentencepiece = v.model().equals("llama");
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");

        ArrayNode added = root.putArray("added_tokens");
        for (int id = 0; id < v.size(); id++) {
            int type = v.types()[id];
            // tokenizer.isSpecial also holds the names llama.cpp makes control tokens whatever their type
            // (</s>, <|endoftext|> …), so the export cuts them out of text as llama.cpp does.
            if (type == GgufVocabulary.CONTROL || type == GgufVocabulary.UNKNOWN || type == GgufVocabulary.USER_DEFINED
                    || tokenizer.isSpecial(id)) {
                boolean special = type != GgufVocabulary.USER_DEFINED || tokenizer.isSpecial(id);
                ObjectNode t = added.addObject();
                t.put("id", id);
                t.put("content", v.tokens().get(id));
                t.put("single_word", false);
                t.put("lstrip", false);
                t.put("rstrip", false);
                t.put("normalized", !special && !sentencepiece);
                t.put("special", special);
            }
        }

        ObjectNode model = JSON.createObjectNode();
        model.put("type", "BPE");
        model.putNull("dropout");
        if (sentencepiece) {
            int unk = v.unk() >= 0 && v.unk() < v.size() ? v.unk() : 0;
            model.put("unk_token", v.tokens().get(unk));
        } else {
            model.putNull("unk_token");
        }
        model.putNull("continuing_subword_prefix");
        model.putNull("end_of_word_suffix");
        model.put("fuse_unk", sentencepiece);
        model.put("byte_fallback", sentencepiece);
        ObjectNode vocab = model.putObject("vocab");
        for (int id = 0; id < v.size(); id++) {
            vocab.put(v.tokens().get(id), id);
        }
        ArrayNode merges = model.putArray("merges");

        if (sentencepiece) {
            model.put("ignore_merges", false);
            for (String[] m : recoveredMerges(v)) {
                merges.addArray().add(m[0]).add(m[1]);
            }
            ObjectNode normalizer = root.putObject("normalizer");
            normalizer.put("type", "Sequence");
            ArrayNode steps = normalizer.putArray("normalizers");
            if (v.addSpacePrefix() == null || v.addSpacePrefix()) {
                steps.addObject().put("type", "Prepend").put("prepend", "\u2581");
            }
            ObjectNode replace = steps.addObject().put("type", "Replace");
            replace.putObject("pattern").put("String", " ");
            replace.put("content", "\u2581");
            root.putNull("pre_tokenizer");
        } else {
            GgufPreTokenizer pre = GgufPreTokenizer.named(v.pre());
            model.put("ignore_merges", pre.ignoreMerges());
            for (String m : v.merges()) {
                int space = m.indexOf(' ', 1);
                if (space > 0) {
                    merges.addArray().add(m.substring(0, space)).add(m.substring(space + 1));
                }
            }
            if (pre.expressions().contains(LlamaCppSplitter.QWEN2)) {
                root.putObject("normalizer").put("type", "NFC");
            } else {
                root.putNull("normalizer");
            }
            root.set("pre_tokenizer", byteLevelPreTokenizer(pre));
        }

        ObjectNode post = root.putObject("post_processor");
        boolean addBos = tokenizer.bos().isPresent() && addsBos(v);
        boolean addEos = tokenizer.eos().isPresent() && v.addEos() != null && v.addEos();
        post.put("type", "Sequence");
        ArrayNode processors = post.putArray("processors");
        if (!sentencepiece) {
            processors.addObject().put("type", "ByteLevel").put("add_prefix_space", false)
                    .put("trim_offsets", false).put("use_regex", false);
        }
        ObjectNode template = processors.addObject().put("type", "TemplateProcessing");
        ArrayNode single = template.putArray("single");
        ArrayNode pair = template.putArray("pair");
        ObjectNode specials = template.putObject("special_tokens");
        String bosToken = addBos ? tokenizer.token(tokenizer.bos().getAsInt()) : null;
        String eosToken = addEos ? tokenizer.token(tokenizer.eos().getAsInt()) : null;
        // [BOS] A [EOS] for one text; the same around each text of a pair, the second with type id 1.
        for (int part = 0; part < 2; part++) {
            for (ArrayNode target : part == 0 ? List.of(single, pair) : List.of(pair)) {
                if (bosToken != null) {
                    specialPiece(target, bosToken, part);
                }
                target.addObject().putObject("Sequence").put("id", part == 0 ? "A" : "B").put("type_id", part);
                if (eosToken != null) {
                    specialPiece(target, eosToken, part);
                }
            }
        }
        for (int id : new int[] {addBos ? tokenizer.bos().getAsInt() : -1, addEos ? tokenizer.eos().getAsInt() : -1}) {
            if (id >= 0) {
                ObjectNode s = specials.putObject(tokenizer.token(id));
                s.put("id", tokenizer.token(id));
                s.putArray("ids").add(id);
                s.putArray("tokens").add(tokenizer.token(id));
            }
        }

        ObjectNode decoder = root.putObject("decoder");
        if (sentencepiece) {
            decoder.put("type", "Sequence");
            ArrayNode steps = decoder.putArray("decoders");
            ObjectNode replace = steps.addObject().put("type", "Replace");
            replace.putObject("pattern").put("String", "\u2581");
            replace.put("content", " ");
            steps.addObject().put("type", "ByteFallback");
            steps.addObject().put("type", "Fuse");
            if (v.addSpacePrefix() == null || v.addSpacePrefix()) {
                steps.addObject().put("type", "Strip").put("content", " ").put("start", 1).put("stop", 0);
            }
        } else {
            decoder.put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        }
        root.set("model", model);
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean addsBos(GgufVocabulary v) {
        if (v.addBos() != null) {
            return v.addBos();
        }
        return v.model().equals("llama") || GgufPreTokenizer.named(v.pre()).addBos();
    }

    private static void specialPiece(ArrayNode target, String token, int typeId) {
        target.addObject().putObject("SpecialToken").put("id", token).put("type_id", typeId);
    }

    /** The pre-tokenizer of a byte-level vocabulary: the pattern's Split (or digits and GPT-2's ByteLevel), then bytes. */
    private static ObjectNode byteLevelPreTokenizer(GgufPreTokenizer pre) {
        List<String> e = pre.expressions();
        ObjectNode seq = JSON.createObjectNode().put("type", "Sequence");
        ArrayNode steps = seq.putArray("pretokenizers");
        boolean gpt2Split = e.contains(LlamaCppSplitter.GPT2);
        for (String x : e) {
            if (x.equals("\\p{N}")) {
                steps.addObject().put("type", "Digits").put("individual_digits", true);
            } else if (x.equals(LlamaCppSplitter.LLAMA3) || x.equals(LlamaCppSplitter.QWEN2)) {
                ObjectNode split = steps.addObject().put("type", "Split");
                // The scanners stand for these patterns with case-insensitive contractions.
                String pattern = x.replace("(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])", "(?i:'s|'t|'re|'ve|'m|'ll|'d)");
                split.putObject("pattern").put("Regex", pattern);
                split.put("behavior", "Isolated").put("invert", false);
            }
        }
        steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", gpt2Split);
        return seq;
    }

    /**
     * Merges from scores, as transformers' SentencePieceExtractor recovers them: for every token, each
     * split into two tokens (ordered by the parts' ids), all sorted by the whole token's score, highest
     * first (a stable sort, so ties keep id order).
     */
    static List<String[]> recoveredMerges(GgufVocabulary v) {
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < v.size(); i++) {
            ids.putIfAbsent(v.tokens().get(i), i);
        }
        record Merge(String left, String right, float score) {}
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < v.size(); id++) {
            String token = v.tokens().get(id);
            int[] cps = token.codePoints().toArray();
            List<Merge> local = new ArrayList<>();
            for (int k = 1; k < cps.length; k++) {
                String l = new String(cps, 0, k);
                String r = new String(cps, k, cps.length - k);
                if (ids.containsKey(l) && ids.containsKey(r)) {
                    local.add(new Merge(l, r, v.scores()[id]));
                }
            }
            local.sort(Comparator.comparingInt((Merge m) -> ids.get(m.left())).thenComparingInt(m -> ids.get(m.right())));
            merges.addAll(local);
        }
        merges.sort((a, b) -> Float.compare(b.score(), a.score()));
        List<String[]> out = new ArrayList<>(merges.size());
        for (Merge m : merges) {
            out.add(new String[] {m.left(), m.right()});
        }
        return out;
    }
}
