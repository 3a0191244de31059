package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The GGUF-metadata tokenizers against llama.cpp's own (the fixtures' libllama, v0.4.0): identical ids
 * on 20,000 generated lines per vocabulary, from the metadata {@link GgufMetadata} makes. Lone
 * surrogates go to llama.cpp as U+FFFD, which is how ours reads them.
 */
class LlamaCppTokenizerTest {

    @ParameterizedTest
    @EnumSource(Vocabularies.class)
    void idsMatchLlamaCpp(Vocabularies v) throws Throwable {
        String architecture = switch (v) {
            case GPT2 -> "gpt2";
            case QWEN3 -> "qwen3";
            case LLAMA3, LLAMA2 -> "llama";
        };
        Tokenizer ours = GgufTokenizerTest.gguf(v);
        List<String> mismatches = new ArrayList<>();
        List<String> lines = NastyCorpus.bpeLines(7_000L + v.ordinal(), BpeReferenceTest.LINES);
        try (LlamaCppVocabulary reference = new LlamaCppVocabulary(GgufMetadata.of(v), architecture)) {
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                int[] expected = reference.tokenize(BpeReferenceTest.withoutLoneSurrogates(line));
                int[] actual = ours.encode(line).ids();
                if (!Arrays.equals(expected, actual) && mismatches.size() < 10) {
                    mismatches.add("line " + i + ": " + ReferenceTokenizerTest.escape(line) + "\n   llama.cpp: "
                            + Arrays.toString(expected) + "\n   ours:      " + Arrays.toString(actual));
                }
            }
        }
        assertTrue(mismatches.isEmpty(), () -> v + ":\n" + String.join("\n", mismatches));
    }
}
