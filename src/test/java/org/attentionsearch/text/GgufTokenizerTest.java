package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.attentionsearch.testing.ConvertedTokenizer;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.Vocabulary;
import org.attentionsearch.weights.GgufFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Tokenizers from GGUF metadata (llama.cpp's algorithm), on metadata made from the real vocabularies
 * the way llama.cpp's converter makes it: what the tokens spell, their spans, special tokens, BOS/EOS,
 * decoding, agreement with the Hugging Face tokenizer where the two algorithms must agree, bad metadata,
 * and the tokenizer.json export.
 */
class GgufTokenizerTest {

    private static final int LINES = 3_000;
    private static final Map<Vocabulary, Tokenizer> CACHE = new ConcurrentHashMap<>();

    /**
     * The tokenizer metadata llama.cpp's converter writes for a vocabulary ({@link ConvertedTokenizer}), as our
     * reader reads it back from the vocabulary-only GGUF file that llama.cpp loads in the tests.
     */
    static Map<String, Object> metadata(Vocabulary v) {
        try (GgufFile f = GgufFile.open(SyntheticModels.vocabularyGguf(v))) {
            return f.metadata();
        }
    }

    static Tokenizer gguf(Vocabulary v) {
        return CACHE.computeIfAbsent(v, k -> Tokenizers.fromGguf(metadata(k)));
    }

    /** The tokens' bytes, in order, are the text's UTF-8 (special tokens as their own text), and their spans tile the text. */
    @ParameterizedTest
    @EnumSource(value = Vocabulary.class, names = {"GPT2", "LLAMA3", "QWEN3"})
    void byteLevelTokensSpellTheTextAndTileIt(Vocabulary v) {
        Tokenizer t = gguf(v);
        for (String line : NastyCorpus.bpeLines(61_000L + v.ordinal(), LINES)) {
            Encoding e = t.encode(line);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            for (int i = 0; i < e.length(); i++) {
                if (!e.hasOffsets(i)) {
                    continue;
                }
                String token = e.tokens()[i];
                bytes.writeBytes(t.isSpecial(e.ids()[i]) ? token.getBytes(StandardCharsets.UTF_8) : ByteLevelAlphabet.decode(token));
            }
            String text = BpeReferenceTest.withoutLoneSurrogates(line);
            assertArrayEquals(text.getBytes(StandardCharsets.UTF_8), bytes.toByteArray(), () -> ReferenceTokenizerTest.escape(line));
            assertSpansTile(line, e);
        }
    }

    /** Sentencepiece: decoding without BOS gives the text back with the space llama.cpp put in front. */
    @Test
    void sentencepieceRoundTripsAndTiles() {
        Tokenizer t = gguf(Vocabulary.LLAMA2);
        for (String line : NastyCorpus.bpeLines(62_000L, LINES)) {
            Encoding e = t.encode(line);
            assertEquals(1, e.ids()[0]);
            assertSpansTile(line, e);
            // Special-token literals become those tokens, and a written ▁ reads back as a space.
            if (!line.contains("<s>") && !line.contains("</s>") && !line.contains("<unk>") && line.indexOf('\u2581') < 0) {
                assertEquals(" " + BpeReferenceTest.withoutLoneSurrogates(line), t.decode(e.ids(), true),
                        () -> ReferenceTokenizerTest.escape(line));
            }
        }
    }

    /** Spans in order, inside the text, and together covering every character (tokens of one character share its span). */
    static void assertSpansTile(String line, Encoding e) {
        int covered = 0;
        int lastStart = 0;
        for (int i = 0; i < e.length(); i++) {
            if (!e.hasOffsets(i)) {
                continue;
            }
            int s = e.starts()[i];
            int end = e.ends()[i];
            int token = i;
            java.util.function.Supplier<String> where = () -> ReferenceTokenizerTest.escape(line) + " token " + token + " " + e;
            assertTrue(s >= lastStart && s <= end && end <= line.length(), where);
            assertTrue(s <= covered, where);
            covered = Math.max(covered, end);
            lastStart = s;
        }
        int expected = line.length();
        assertEquals(expected, covered, () -> ReferenceTokenizerTest.escape(line) + " " + e);
    }

    /**
     * Where llama.cpp's algorithm and Hugging Face's must agree they do: GPT-2's scanner is GPT-2's pattern
     * (the two differ only on characters whose class changed between Unicode 15.1 and 16.0), Qwen's
     * differs from its tokenizer.json by NFC only, Llama 3's by BOS only. ASCII text shows it.
     */
    @ParameterizedTest
    @EnumSource(value = Vocabulary.class, names = {"GPT2", "LLAMA3", "QWEN3"})
    void byteLevelAgreesWithHuggingFaceOnPlainText(Vocabulary v) {
        Tokenizer gguf = gguf(v);
        Tokenizer hf = v.ours();
        List<String> differing = new ArrayList<>();
        int compared = 0;
        for (String line : NastyCorpus.bpeLines(63_000L + v.ordinal(), 4 * LINES)) {
            // llama.cpp makes "</s>" a control token wherever the vocabulary has it (an end-of-generation name),
            // so in Qwen's vocabulary, where it is a plain token, text with it tokenizes differently by design.
            if (!line.chars().allMatch(c -> c < 0x7F) || line.contains("</s>")) {
                continue;
            }
            compared++;
            int[] a = textIds(gguf.encode(line));
            int[] b = textIds(hf.encode(line));
            if (!Arrays.equals(a, b)) {
                differing.add(line);
            }
        }
        assertTrue(compared > 300, "too few plain lines: " + compared);
        assertTrue(differing.isEmpty(), () -> differing.size() + " of plain lines differ:\n" + String.join("\n", differing));
    }

    /** The ids without a leading BOS. */
    private static int[] textIds(Encoding e) {
        return e.length() > 0 && !e.hasOffsets(0) ? Arrays.copyOfRange(e.ids(), 1, e.length()) : e.ids();
    }

    @Test
    void specialTokensInTextAndAroundIt() {
        Tokenizer gpt2 = gguf(Vocabulary.GPT2);
        Encoding e = gpt2.encode("a<|endoftext|>b");
        assertArrayEquals(new int[] {gpt2.id("a").getAsInt(), 50256, gpt2.id("b").getAsInt()}, e.ids());
        assertEquals(1, e.starts()[1]);
        assertEquals(14, e.ends()[1]);
        assertEquals(50256, gpt2.eos().getAsInt());
        assertTrue(Arrays.stream(gpt2.stopIds()).anyMatch(id -> id == 50256));

        Tokenizer llama3 = gguf(Vocabulary.LLAMA3);
        assertEquals(128000, llama3.encode("Hello").ids()[0], "llama-bpe adds BOS by default");
        assertTrue(llama3.isSpecial(128000));
        assertTrue(Arrays.stream(llama3.stopIds()).anyMatch(id -> id == llama3.id("<|eot_id|>").getAsInt()));

        Tokenizer qwen = gguf(Vocabulary.QWEN3);
        Encoding q = qwen.encode("<|im_start|>user");
        assertEquals(qwen.id("<|im_start|>").getAsInt(), q.ids()[0], "qwen2 adds no BOS; the special token is cut out");
        assertEquals(qwen.id("user").getAsInt(), q.ids()[1]);

        // Sentencepiece: a space in front of the text and after every special token.
        Tokenizer llama2 = gguf(Vocabulary.LLAMA2);
        Encoding s = llama2.encode("<s>hi</s>");
        assertArrayEquals(new int[] {1, 1, llama2.id("\u2581hi").getAsInt(), 2}, s.ids());
        assertEquals(3, s.starts()[2]);
        assertEquals(5, s.ends()[2]);
        assertEquals("<s><s> hi</s>", llama2.decode(s.ids()));
    }

    /** A character missing from a sentencepiece vocabulary becomes its UTF-8 bytes, all with the character's span. */
    @Test
    void byteFallbackSpansTheCharacter() {
        Tokenizer llama2 = gguf(Vocabulary.LLAMA2);
        Encoding e = llama2.encode("\uD83E\uDEE0");
        int[] expected = {1, llama2.id("\u2581").getAsInt(), llama2.id("<0xF0>").getAsInt(), llama2.id("<0x9F>").getAsInt(),
            llama2.id("<0xAB>").getAsInt(), llama2.id("<0xA0>").getAsInt()};
        assertArrayEquals(expected, e.ids());
        for (int i = 1; i < e.length(); i++) {
            assertEquals(0, e.starts()[i]);
            assertEquals(2, e.ends()[i]);
        }
    }

    @Test
    void badMetadataIsOneClearSentence() {
        Map<String, Object> m = new LinkedHashMap<>();
        assertMessage(m, "no tokenizer");
        m.put("tokenizer.ggml.model", "t5");
        assertMessage(m, "\"t5\" is not supported");
        m.put("tokenizer.ggml.model", "gpt2");
        assertMessage(m, "no tokenizer.ggml.tokens");
        m.put("tokenizer.ggml.tokens", List.of("a", "b", 3L));
        assertMessage(m, "array of strings");
        m.put("tokenizer.ggml.tokens", List.of("a", "b", "ab"));
        assertMessage(m, "without tokenizer.ggml.merges");
        m.put("tokenizer.ggml.merges", List.of("a b"));
        m.put("tokenizer.ggml.pre", "no-such-pre");
        assertMessage(m, "\"no-such-pre\" is not supported");
        m.put("tokenizer.ggml.pre", "gpt-2");
        m.put("tokenizer.ggml.token_type", List.of(1L));
        assertMessage(m, "fewer tokenizer.ggml.token_type");
        m.put("tokenizer.ggml.token_type", List.of(1L, 1L, 1L));
        m.put("tokenizer.ggml.tokens", List.of("a", "b", "a"));
        assertMessage(m, "twice");
        m.put("tokenizer.ggml.tokens", List.of("a", "b", "ab"));
        m.put("tokenizer.ggml.bos_token_id", "1");
        assertMessage(m, "must be an integer");
        m.remove("tokenizer.ggml.bos_token_id");
        Tokenizer t = Tokenizers.fromGguf(m);
        assertArrayEquals(new int[] {2}, t.encode("ab").ids());
    }

    /** A sentencepiece vocabulary without byte tokens spells what it cannot as the unknown token, never as nothing. */
    @org.junit.jupiter.api.Test
    void aCharacterNoTokenSpellsBecomesTheUnknownToken() {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("tokenizer.ggml.model", "llama");
        m.put("tokenizer.ggml.tokens", List.of("<unk>", "<s>", "</s>", "\u2581", "a", "\u2581a"));
        m.put("tokenizer.ggml.scores", List.of(0f, 0f, 0f, -1f, -2f, -1f));
        m.put("tokenizer.ggml.token_type", List.of(2L, 3L, 3L, 1L, 1L, 1L));
        m.put("tokenizer.ggml.unknown_token_id", 0L);
        m.put("tokenizer.ggml.bos_token_id", 1L);
        m.put("tokenizer.ggml.eos_token_id", 2L);
        m.put("tokenizer.ggml.add_bos_token", false);
        Encoding e = Tokenizers.fromGguf(m).encode("a\u1234a");
        assertArrayEquals(new int[] {5, 0, 4}, e.ids());
        assertEquals(1, e.starts()[1]);
        assertEquals(2, e.ends()[1]);
    }

    private static void assertMessage(Map<String, Object> m, String part) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizers.fromGguf(m));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    /**
     * Byte-level export: the tokenizer.json made from the GGUF metadata tokenizes as the original
     * tokenizer.json — but for the names llama.cpp makes control tokens whatever the vocabulary says
     * (Qwen's {@code </s>}), which the export keeps whole as the GGUF does, and which are left out here.
     */
    @ParameterizedTest
    @EnumSource(value = Vocabulary.class, names = {"GPT2", "LLAMA3", "QWEN3"})
    void exportedByteLevelJsonTokenizesAsTheOriginal(Vocabulary v) {
        Tokenizer exported = Tokenizers.fromJson(Tokenizers.toTokenizerJson(metadata(v)), null);
        Tokenizer original = v.ours();
        Tokenizer gguf = Tokenizers.fromGguf(metadata(v));
        List<String> promoted = new java.util.ArrayList<>();
        for (int id = 0; id < original.vocabSize(); id++) {
            if (gguf.isSpecial(id) && !original.isSpecial(id)) promoted.add(original.token(id));
        }
        for (String line : NastyCorpus.bpeLines(64_000L + v.ordinal(), 2_000)) {
            if (promoted.stream().anyMatch(line::contains)) continue;
            int[] a = exported.encode(line).ids();
            int[] b = original.encode(line).ids();
            if (v == Vocabulary.LLAMA3) {
                assertEquals(128000, a[0], "the GGUF adds BOS, so the export's template does");
                a = Arrays.copyOfRange(a, 1, a.length);
            }
            assertArrayEquals(b, a, ReferenceTokenizerTest.escape(line));
        }
        for (String name : promoted) {
            String line = "before " + name + " after";
            assertArrayEquals(gguf.encode(line).ids(), exported.encode(line).ids(), "the export keeps " + name + " whole, as the GGUF does");
        }
    }

    /**
     * Sentencepiece export: the tokenizer.json made from Llama 2's GGUF metadata (merges recovered from the
     * scores) loads in Hugging Face's tokenizer, ours agrees with it on ids and offsets, and it tokenizes
     * as the original tokenizer.json on almost every line (the recovered merges are ordered by the token
     * scores rather than the original merge list, which sentencepiece models do not have).
     */
    @Test
    void exportedSentencepieceJsonMatchesTheReferenceOnIt() throws Exception {
        byte[] json = Tokenizers.toTokenizerJson(metadata(Vocabulary.LLAMA2));
        Tokenizer exported = Tokenizers.fromJson(json, null);
        Tokenizer original = Vocabulary.LLAMA2.ours();
        List<String> lines = NastyCorpus.bpeLines(65_000L, 1_000);
        List<String> mismatches = new ArrayList<>();
        int same = 0;
        try (ai.djl.huggingface.tokenizers.HuggingFaceTokenizer ref = TokenizerFiles.reference(json)) {
            for (int i = 0; i < lines.size(); i++) {
                String clean = BpeReferenceTest.withoutLoneSurrogates(lines.get(i));
                Encoding e = exported.encode(lines.get(i));
                ReferenceTokenizerTest.compare("line " + i, clean, null, ref.encode(clean), e, mismatches);
                same += Arrays.equals(e.ids(), original.encode(lines.get(i)).ids()) ? 1 : 0;
            }
        }
        assertTrue(mismatches.isEmpty(), () -> String.join("\n", mismatches.subList(0, Math.min(5, mismatches.size()))));
        int agreeing = same;
        assertTrue(agreeing >= 0.95 * lines.size(), () -> agreeing + " of " + lines.size() + " lines as the original");
    }

    /**
     * The incremental decoder over llama.cpp's detokenizer, whose clean-up of spaces rewrites text a later
     * token follows (" ." to "."): the pieces still concatenate to the whole decode.
     */
    @ParameterizedTest
    @EnumSource(Vocabulary.class)
    void incrementalPiecesConcatenateToDecode(Vocabulary v) {
        Tokenizer t = gguf(v);
        List<String> lines = new ArrayList<>(NastyCorpus.bpeLines(66_000L + v.ordinal(), 300));
        lines.add("Hello , world . I 'm here ' ok ' and you 're , he 've ? no ! 's");
        for (String line : lines) {
            int[] ids = t.encode(line).ids();
            for (boolean skip : new boolean[] {false, true}) {
                IncrementalDecoder d = t.incrementalDecoder(skip);
                StringBuilder s = new StringBuilder();
                for (int id : ids) {
                    s.append(d.next(id));
                }
                s.append(d.finish());
                assertEquals(t.decode(ids, skip), s.toString(), () -> ReferenceTokenizerTest.escape(line));
            }
        }
    }
}
