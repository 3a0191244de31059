package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Options the two shipped files do not use (other normalizer flags, BertProcessing, added tokens
 * with normalized/lstrip/rstrip/single_word), checked against the reference on edited copies.
 */
class TokenizerVariantsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int LINES = 3_000;

    @Test
    void lowercaseWithoutStrippingAccents() throws Exception {
        check(root -> normalizer(root).put("strip_accents", false));
    }

    @Test
    void stripAccentsWithoutLowercase() throws Exception {
        check(root -> normalizer(root).put("strip_accents", true).put("lowercase", false));
    }

    @Test
    void noCleaningNoChineseNoLowercase() throws Exception {
        check(root -> normalizer(root).put("clean_text", false).put("handle_chinese_chars", false).put("lowercase", false));
    }

    @Test
    void noNormalizerNoPreTokenizer() throws Exception {
        check(root -> {
            root.putNull("normalizer");
            root.putNull("pre_tokenizer");
        });
    }

    @Test
    void bertProcessing() throws Exception {
        check(root -> {
            ObjectNode p = root.putObject("post_processor");
            p.put("type", "BertProcessing");
            p.putArray("sep").add("[SEP]").add(102);
            p.putArray("cls").add("[CLS]").add(101);
        });
    }

    @Test
    void addedTokensWithOptions() throws Exception {
        java.util.Set<Integer> seen = check(root -> {
            ArrayNode added = (ArrayNode) root.get("added_tokens");
            added.add(TokenizerFiles.addedToken(30522, "<mask>", true, false, true, true, false));
            added.add(TokenizerFiles.addedToken(30523, "Foo", false, true, false, false, false));
            added.add(TokenizerFiles.addedToken(30524, "Café Noir", false, false, false, false, true));
            added.add(TokenizerFiles.addedToken(30525, "[MASK]x", true, false, false, false, false));
            added.add(TokenizerFiles.addedToken(30526, "ok!", false, false, true, false, true));
        });
        for (int id = 30522; id <= 30526; id++) {
            assertTrue(seen.contains(id), "added token " + id + " never matched");
        }
    }

    private static ObjectNode normalizer(ObjectNode root) {
        return (ObjectNode) root.get("normalizer");
    }

    private static final String[] INSERTS = {"<mask>", " <mask> ", "Foo", " Foo ", "xFoo", "Foo.", "café noir",
        "CAFÉ NOIR", "Cafe\u0301 Noir", "[MASK]x", "[MASK]", "ok!", "  ok!", "OK!", "\u3000<mask>\t"};

    /** Returns the ids our tokenizer produced. */
    private static java.util.Set<Integer> check(Consumer<ObjectNode> edit) throws Exception {
        ObjectNode root = (ObjectNode) JSON.readTree(TokenizerFiles.bytes(TokenizerFiles.MINILM));
        edit.accept(root);
        byte[] json = JSON.writeValueAsBytes(root);
        BertTokenizer ours = BertTokenizer.fromJson(json);

        SplittableRandom r = new SplittableRandom(5);
        List<String> lines = new ArrayList<>();
        for (String line : NastyCorpus.lines(11, LINES)) {
            StringBuilder s = new StringBuilder(line);
            for (int k = r.nextInt(3); k > 0; k--) {
                int at = s.length() == 0 ? 0 : r.nextInt(s.length());
                if (at > 0 && Character.isLowSurrogate(s.charAt(at))) {
                    at--;
                }
                s.insert(at, INSERTS[r.nextInt(INSERTS.length)]);
            }
            lines.add(s.toString());
        }
        List<String> mismatches = new ArrayList<>();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        try (HuggingFaceTokenizer ref = TokenizerFiles.reference(json)) {
            ai.djl.huggingface.tokenizers.Encoding[] expected = ref.batchEncode(lines);
            for (int i = 0; i < lines.size(); i++) {
                Encoding actual = ours.encode(lines.get(i));
                for (int id : actual.ids()) {
                    seen.add(id);
                }
                ReferenceTokenizerTest.compare("line " + i, lines.get(i), null, expected[i], actual, mismatches);
            }
            for (int i = 0; i + 1 < 400; i += 2) {
                ReferenceTokenizerTest.compare("pair " + i, lines.get(i), lines.get(i + 1),
                        ref.encode(lines.get(i), lines.get(i + 1)), ours.encodePair(lines.get(i), lines.get(i + 1)), mismatches);
            }
        }
        assertTrue(mismatches.isEmpty(), () -> mismatches.size() + " differ from the reference:\n"
                + String.join("\n", mismatches.subList(0, Math.min(10, mismatches.size()))));
        return seen;
    }
}
