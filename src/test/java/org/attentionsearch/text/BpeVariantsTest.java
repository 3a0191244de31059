package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.attentionsearch.testing.Vocabulary;
import org.junit.jupiter.api.Test;

/**
 * Components and options the four real files do not use (or use only one way), on edited copies of
 * them, against Hugging Face's tokenizer (through DJL): ids, offsets and decoding.
 */
class BpeVariantsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LINES = 1_500;

    @Test
    void robertaStylePrefixSpaceAndTrimmedOffsets() throws Exception {
        check(Vocabulary.GPT2, root -> {
            ((ObjectNode) root.get("pre_tokenizer")).put("add_prefix_space", true);
            ((ObjectNode) root.get("post_processor")).put("trim_offsets", true);
        });
    }

    @Test
    void addedTokensWithStripSingleWordAndNormalized() throws Exception {
        check(Vocabulary.GPT2, root -> {
            ArrayNode added = (ArrayNode) root.get("added_tokens");
            added.add(TokenizerFiles.addedToken(50257, "<mask>", true, false, true, false, false));
            added.add(TokenizerFiles.addedToken(50258, "[DAY]", false, true, false, true, false));
            added.add(TokenizerFiles.addedToken(50259, "quick", false, false, false, false, true));
            added.add(TokenizerFiles.addedToken(50260, " [SEP] ", true, false, true, true, false));
            added.add(TokenizerFiles.addedToken(50261, "ing", false, true, false, false, true));
        });
    }

    @Test
    void llama31TemplateWithBosAndEos() throws Exception {
        check(Vocabulary.LLAMA3, root -> {
            ObjectNode post = root.putObject("post_processor");
            post.put("type", "Sequence");
            ArrayNode ps = post.putArray("processors");
            ps.addObject().put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", false).put("use_regex", true);
            ps.add(template("<|begin_of_text|>", 128000, "<|end_of_text|>", 128001));
        });
    }

    @Test
    void metaspaceFirstWithoutSplit() throws Exception {
        checkMetaspace("first", false);
    }

    @Test
    void metaspaceAlwaysWithSplit() throws Exception {
        checkMetaspace("always", true);
    }

    @Test
    void metaspaceNever() throws Exception {
        checkMetaspace("never", true);
    }

    private void checkMetaspace(String scheme, boolean split) throws Exception {
        check(Vocabulary.LLAMA2, root -> {
            root.putNull("normalizer");
            ObjectNode pre = root.putObject("pre_tokenizer");
            pre.put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", scheme).put("split", split);
            ObjectNode dec = root.putObject("decoder");
            dec.put("type", "Metaspace").put("replacement", "\u2581").put("prepend_scheme", scheme).put("split", split);
        });
    }

    @Test
    void unknownTokensFusedOrNotWithoutByteFallback() throws Exception {
        check(Vocabulary.LLAMA2, root -> ((ObjectNode) root.get("model")).put("byte_fallback", false));
        check(Vocabulary.LLAMA2, root -> ((ObjectNode) root.get("model")).put("byte_fallback", false).put("fuse_unk", false));
    }

    @Test
    void digitsThenByteLevelAsSmolLm() throws Exception {
        check(Vocabulary.GPT2, root -> {
            ObjectNode pre = root.putObject("pre_tokenizer");
            pre.put("type", "Sequence");
            ArrayNode steps = pre.putArray("pretokenizers");
            steps.addObject().put("type", "Digits").put("individual_digits", true);
            steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true).put("use_regex", true);
        });
    }

    @Test
    void splitBehaviorsAndInversion() throws Exception {
        // Each behavior once, with and without inversion in turn (a literal pattern when inverted).
        List<String> behaviors = List.of("Removed", "MergedWithPrevious", "MergedWithNext", "Contiguous", "Isolated");
        for (int b = 0; b < behaviors.size(); b++) {
            String behavior = behaviors.get(b);
            boolean invert = b % 2 == 1;
            {
                check(Vocabulary.QWEN3, root -> {
                    ObjectNode pre = root.putObject("pre_tokenizer");
                    pre.put("type", "Sequence");
                    ArrayNode steps = pre.putArray("pretokenizers");
                    ObjectNode split = steps.addObject().put("type", "Split");
                    split.putObject("pattern").put(invert ? "String" : "Regex", invert ? " " : "\\s+|[,.!?]");
                    split.put("behavior", behavior).put("invert", invert);
                    steps.addObject().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", false).put("use_regex", false);
                });
            }
        }
    }

    @Test
    void regexReplaceNormalizerAndDigitRuns() throws Exception {
        check(Vocabulary.QWEN3, root -> {
            ObjectNode norm = root.putObject("normalizer");
            norm.put("type", "Sequence");
            ArrayNode steps = norm.putArray("normalizers");
            steps.addObject().put("type", "NFC");
            ObjectNode replace = steps.addObject().put("type", "Replace");
            replace.putObject("pattern").put("Regex", "\\s{2,}|(?i:the)");
            replace.put("content", "_");
            ObjectNode pre = (ObjectNode) root.get("pre_tokenizer").get("pretokenizers").get(0);
            pre.putObject("pattern").put("Regex", "\\p{N}{1,3}|[^\\s\\p{L}\\p{N}]++|\\p{L}+(?=\\s)|\\s");
        });
    }

    private static ObjectNode template(String bos, int bosId, String eos, int eosId) {
        ObjectNode t = JSON.createObjectNode();
        t.put("type", "TemplateProcessing");
        ArrayNode single = t.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        single.addObject().putObject("SpecialToken").put("id", eos).put("type_id", 0);
        ArrayNode pair = t.putArray("pair");
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode specials = t.putObject("special_tokens");
        specials.putObject(bos).put("id", bos).putArray("ids").add(bosId);
        ((ObjectNode) specials.get(bos)).putArray("tokens").add(bos);
        specials.putObject(eos).put("id", eos).putArray("ids").add(eosId);
        ((ObjectNode) specials.get(eos)).putArray("tokens").add(eos);
        return t;
    }

    /** Edits a copy of the vocabulary's tokenizer.json and compares ids, offsets and decoding with the reference. */
    private static void check(Vocabulary v, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(v.tokenizerJson());
        edit.accept(root);
        byte[] json = JSON.writeValueAsBytes(root);
        Tokenizer ours = Tokenizers.fromJson(json, null);
        List<String> lines = NastyCorpus.bpeLines(91_000L + v.ordinal(), LINES);
        List<String> mismatches = new ArrayList<>();
        try (HuggingFaceTokenizer ref = TokenizerFiles.reference(json)) {
            List<String> clean = lines.stream().map(BpeReferenceTest::withoutLoneSurrogates).toList();
            ai.djl.huggingface.tokenizers.Encoding[] expected = ref.batchEncode(clean);
            for (int i = 0; i < lines.size(); i++) {
                Encoding actual = ours.encode(lines.get(i));
                ReferenceTokenizerTest.compare("line " + i, clean.get(i), null, expected[i], actual, mismatches);
                String decoded = ref.decode(DecodeTest.toLong(actual.ids()), false);
                if (!decoded.equals(ours.decode(actual.ids()))) {
                    mismatches.add("decode of line " + i + ": " + ReferenceTokenizerTest.escape(decoded) + " vs "
                            + ReferenceTokenizerTest.escape(ours.decode(actual.ids())));
                }
            }
        }
        assertTrue(mismatches.isEmpty(), () -> mismatches.size() + " differ:\n"
                + String.join("\n", mismatches.subList(0, Math.min(8, mismatches.size()))));
    }
}
