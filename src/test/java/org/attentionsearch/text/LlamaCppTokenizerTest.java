package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.attentionsearch.testing.GgufWriter;
import org.attentionsearch.testing.LlamaCpp;
import org.attentionsearch.testing.Vocabulary;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GGUF-metadata tokenizers against llama.cpp's own ({@code llama_tokenize} with special tokens added
 * and parsed, on a vocabulary-only GGUF file written from the same metadata): identical ids on 20,000
 * generated lines per vocabulary, from the metadata {@link GgufMetadata} makes. Lone surrogates go to
 * llama.cpp as U+FFFD, which is how ours reads them.
 */
class LlamaCppTokenizerTest {

    @ParameterizedTest
    @EnumSource(Vocabulary.class)
    void idsMatchLlamaCpp(Vocabulary v) throws Exception {
        String architecture = switch (v) {
            case GPT2 -> "gpt2";
            case QWEN3 -> "qwen3";
            case LLAMA3, LLAMA2 -> "llama";
        };
        assertSameIds(v + "", GgufTokenizerTest.gguf(v), GgufMetadata.of(v), architecture,
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
        Map<String, Object> metadata = new LinkedHashMap<>(GgufMetadata.of(Vocabulary.GPT2));
        metadata.put("tokenizer.ggml.pre", pre);
        metadata.put("tokenizer.ggml.add_bos_token", false);
        assertSameIds(pre, Tokenizers.fromGguf(metadata), metadata, "gpt2", NastyCorpus.bpeLines(8_000L + pre.hashCode(), 4_000));
    }

    private static void assertSameIds(String name, Tokenizer ours, Map<String, Object> metadata, String architecture,
                                      List<String> lines) throws Exception {
        List<String> mismatches = new ArrayList<>();
        Path file = Files.createTempFile("vocabulary", ".gguf");
        try {
            metadataOnly(metadata, architecture).write(file);
            try (LlamaCpp.Model reference = LlamaCpp.loadVocabOnly(file)) {
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
        } finally {
            Files.deleteIfExists(file);
        }
        assertTrue(mismatches.isEmpty(), () -> name + ":\n" + String.join("\n", mismatches));
    }

    /**
     * The metadata as a GGUF file without tensors, typed as convert_hf_to_gguf.py types it: ids uint32,
     * token types int32, scores float32.
     */
    static GgufWriter metadataOnly(Map<String, Object> metadata, String architecture) {
        GgufWriter w = new GgufWriter().putString("general.architecture", architecture);
        for (Map.Entry<String, Object> e : metadata.entrySet()) {
            Object v = e.getValue();
            if (v instanceof String s) {
                w.putString(e.getKey(), s);
            } else if (v instanceof Boolean b) {
                w.putBool(e.getKey(), b);
            } else if (v instanceof Long l) {
                w.putUint32(e.getKey(), l);
            } else if (v instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof String) {
                w.put(e.getKey(), GgufWriter.Value.strings(list.stream().map(String.class::cast).toList()));
            } else if (v instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Float) {
                float[] f = new float[list.size()];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (Float) list.get(i);
                }
                w.put(e.getKey(), GgufWriter.Value.float32s(f));
            } else if (v instanceof List<?> list && !list.isEmpty() && list.get(0) instanceof Long) {
                w.put(e.getKey(), GgufWriter.Value.int32s(list.stream().mapToInt(x -> (int) (long) (Long) x).toArray()));
            } else {
                throw new IllegalArgumentException("cannot write " + e.getKey());
            }
        }
        return w;
    }
}
