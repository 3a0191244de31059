package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.attentionsearch.testing.ConvertedTokenizer;
import org.attentionsearch.testing.GgufWriter;
import org.attentionsearch.testing.LlamaCpp;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.Vocabulary;
import org.attentionsearch.weights.GgufFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GGUF-metadata tokenizers against llama.cpp's own ({@code llama_tokenize} with special tokens added
 * and parsed) on the same vocabulary-only GGUF file, written from the metadata llama.cpp's converter makes
 * ({@link ConvertedTokenizer}): identical ids on 20,000 generated lines per
 * vocabulary. Lone surrogates go to llama.cpp as U+FFFD, which is how ours reads them.
 */
class LlamaCppTokenizerTest {

    @ParameterizedTest
    @EnumSource(Vocabulary.class)
    void idsMatchLlamaCpp(Vocabulary v) throws Exception {
        assertSameIds(v + "", GgufTokenizerTest.gguf(v), SyntheticModels.vocabularyGguf(v),
                NastyCorpus.bpeLines(7_000L + v.ordinal(), BpeReferenceTest.LINES));
    }

    /**
     * Other pre-tokenizer names on GPT-2's vocabulary: SmolLM's (single digits by a regular expression over
     * llama.cpp's collapsed text, then the GPT-2 scanner), the default one (three collapsed expressions
     * around the scanner), Falcon's and Llama 3's and Qwen2's scanners.
     */
    @ParameterizedTest
    @ValueSource(strings = {"smollm", "default", "falcon", "llama-bpe", "qwen2"})
    void otherPreTokenizersMatchLlamaCpp(String pre) throws Exception {
        Vocabulary v = Vocabulary.GPT2;
        GgufWriter w = new GgufWriter().putString("general.architecture", "gpt2");
        ConvertedTokenizer.metadata(v, v.size(), v.bos(), v.eos()).forEach(w::put);
        w.putString("tokenizer.ggml.pre", pre).put("tokenizer.ggml.add_bos_token", GgufWriter.Value.bool(false));
        Path file = Files.createTempFile("vocabulary", ".gguf");
        try {
            w.write(file);
            Tokenizer ours;
            try (GgufFile f = GgufFile.open(file)) {
                ours = Tokenizers.fromGguf(f.metadata());
            }
            assertSameIds(pre, ours, file, NastyCorpus.bpeLines(8_000L + pre.hashCode(), 4_000));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static void assertSameIds(String name, Tokenizer ours, Path vocabularyGguf, List<String> lines) {
        List<String> mismatches = new ArrayList<>();
        try (LlamaCpp.Model reference = LlamaCpp.loadVocabOnly(vocabularyGguf)) {
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i);
                int[] expected = LlamaCpp.tokenize(reference, BpeReferenceTest.withoutLoneSurrogates(line), true, true);
                int[] actual = ours.encode(line).ids();
                if (!Arrays.equals(expected, actual) && mismatches.size() < 10) {
                    mismatches.add("line " + i + ": " + ReferenceTokenizerTest.escape(line) + "\n   llama.cpp: "
                            + Arrays.toString(expected) + "\n   ours:      " + Arrays.toString(actual));
                }
            }
        }
        assertTrue(mismatches.isEmpty(), () -> name + ":\n" + String.join("\n", mismatches));
    }
}
