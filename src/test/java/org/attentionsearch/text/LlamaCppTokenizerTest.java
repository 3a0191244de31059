package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * Other pre-tokenizer names on GPT-2's vocabulary: SmolLM's (single digits by a regular expression over
     * llama.cpp's collapsed text, then the GPT-2 scanner), the default one (three collapsed expressions
     * around the scanner), Falcon's and Llama 3's and Qwen2's scanners.
     */
    @ParameterizedTest
    @ValueSource(strings = {"smollm", "default", "falcon", "llama-bpe", "qwen2"})
    void otherPreTokenizersMatchLlamaCpp(String pre) throws Throwable {
        java.util.Map<String, Object> metadata = new java.util.LinkedHashMap<>(GgufMetadata.of(Vocabularies.GPT2));
        metadata.put("tokenizer.ggml.pre", pre);
        metadata.put("tokenizer.ggml.add_bos_token", false);
        Tokenizer ours = Tokenizers.fromGguf(metadata);
        List<String> mismatches = new ArrayList<>();
        List<String> lines = NastyCorpus.bpeLines(8_000L + pre.hashCode(), 4_000);
        try (LlamaCppVocabulary reference = new LlamaCppVocabulary(metadata, "gpt2")) {
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
        assertTrue(mismatches.isEmpty(), () -> pre + ":\n" + String.join("\n", mismatches));
    }
}
