package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.ArrayList;
import java.util.List;
import org.attentionsearch.testing.Vocabulary;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Ids and offsets of the BPE tokenizers against Hugging Face's (through DJL) on 20,000 generated lines
 * per vocabulary. A lone surrogate reaches the reference as three U+FFFD (DJL passes strings through
 * JNI's modified UTF-8, which Rust then reads lossily), so the reference sees such lines with each lone
 * surrogate replaced by one U+FFFD, which is how ours reads them.
 */
class BpeReferenceTest {

    static final int LINES = 20_000;
    private static final int MAX_REPORTED = 12;

    @ParameterizedTest
    @EnumSource(Vocabulary.class)
    void corpusMatchesReference(Vocabulary v) throws Exception {
        Tokenizer ours = v.ours();
        List<String> lines = NastyCorpus.bpeLines(7_000L + v.ordinal(), LINES);
        assertMatches(v, ours, lines, "line ");
    }

    static void assertMatches(Vocabulary v, Tokenizer ours, List<String> lines, String label) throws Exception {
        List<String> mismatches = new ArrayList<>();
        try (HuggingFaceTokenizer ref = TokenizerFiles.reference(v.tokenizerJson())) {
            for (int from = 0; from < lines.size(); from += 1000) {
                List<String> batch = new ArrayList<>();
                for (String line : lines.subList(from, Math.min(lines.size(), from + 1000))) {
                    batch.add(withoutLoneSurrogates(line));
                }
                ai.djl.huggingface.tokenizers.Encoding[] expected = ref.batchEncode(batch);
                for (int i = 0; i < batch.size(); i++) {
                    ReferenceTokenizerTest.compare(label + (from + i), batch.get(i), null, expected[i],
                            ours.encode(lines.get(from + i)), mismatches);
                }
            }
        }
        assertTrue(mismatches.isEmpty(), () -> mismatches.size() + " of " + lines.size() + " differ from the reference ("
                + v + "):\n" + String.join("\n", mismatches.subList(0, Math.min(MAX_REPORTED, mismatches.size()))));
    }

    /** Each unpaired surrogate replaced by U+FFFD (same length in UTF-16). */
    static String withoutLoneSurrogates(String s) {
        StringBuilder b = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean paired = Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
            if (paired) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                if (b == null) {
                    b = new StringBuilder(s);
                }
                b.setCharAt(i, '\uFFFD');
            }
        }
        return b == null ? s : b.toString();
    }
}
