package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.util.ArrayList;
import java.util.List;
import org.attentionsearch.testing.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Decoding against Hugging Face's decoders, round trips, and the incremental decoder. */
class DecodeTest {

    private static final int LINES = 4_000;

    @ParameterizedTest
    @EnumSource(Vocabulary.class)
    void decodeMatchesReference(Vocabulary v) throws Exception {
        Tokenizer ours = v.ours();
        List<String> lines = NastyCorpus.bpeLines(31_000L + v.ordinal(), LINES);
        long[][] ids = new long[lines.size()][];
        for (int i = 0; i < lines.size(); i++) {
            ids[i] = toLong(ours.encode(lines.get(i)).ids());
        }
        List<String> mismatches = new ArrayList<>();
        try (HuggingFaceTokenizer ref = TokenizerFiles.reference(v.tokenizerJson())) {
            for (boolean skip : new boolean[] {false, true}) {
                String[] expected = ref.batchDecode(ids, skip);
                for (int i = 0; i < lines.size(); i++) {
                    String actual = ours.decode(toInt(ids[i]), skip);
                    if (!expected[i].equals(actual) && mismatches.size() < 10) {
                        mismatches.add("line " + i + (skip ? " (skipping special)" : "") + ": "
                                + ReferenceTokenizerTest.escape(lines.get(i)) + "\n   reference: "
                                + ReferenceTokenizerTest.escape(expected[i]) + "\n   ours:      " + ReferenceTokenizerTest.escape(actual));
                    }
                }
            }
        }
        assertTrue(mismatches.isEmpty(), () -> String.join("\n", mismatches));
    }

    /** Byte-level BPE without a normalizer loses nothing: decoding gives the text back (lone surrogates as U+FFFD). */
    @ParameterizedTest
    @EnumSource(value = Vocabulary.class, names = {"GPT2", "LLAMA3"})
    void byteLevelRoundTrips(Vocabulary v) {
        Tokenizer ours = v.ours();
        for (String line : NastyCorpus.bpeLines(41_000L + v.ordinal(), LINES)) {
            assertEquals(BpeReferenceTest.withoutLoneSurrogates(line), ours.decode(ours.encode(line).ids()),
                    () -> ReferenceTokenizerTest.escape(line));
        }
    }

    /** The incremental decoder's pieces concatenate to the whole decode, and none ends inside a character. */
    @ParameterizedTest
    @EnumSource(Vocabulary.class)
    void incrementalPiecesConcatenateToDecode(Vocabulary v) {
        Tokenizer ours = v.ours();
        for (String line : NastyCorpus.bpeLines(51_000L + v.ordinal(), 1_000)) {
            int[] ids = ours.encode(line).ids();
            for (boolean skip : new boolean[] {false, true}) {
                IncrementalDecoder d = ours.incrementalDecoder(skip);
                StringBuilder s = new StringBuilder();
                for (int id : ids) {
                    String piece = d.next(id);
                    assertTrue(piece.isEmpty() || !Character.isHighSurrogate(piece.charAt(piece.length() - 1)));
                    s.append(piece);
                }
                s.append(d.finish());
                assertEquals(ours.decode(ids, skip), s.toString(), () -> ReferenceTokenizerTest.escape(line));
            }
        }
    }

    /** A character split over byte tokens comes out once, whole, when its last byte arrives. */
    @Test
    void splitCharacterAppearsOnceWhole() {
        Tokenizer gpt2 = Vocabulary.GPT2.ours();
        int[] ids = gpt2.encode("a😀b").ids();
        IncrementalDecoder d = gpt2.incrementalDecoder(false);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(d.next(id));
        }
        assertTrue(pieces.contains("😀") || pieces.stream().anyMatch(p -> p.endsWith("😀")), pieces::toString);
        assertTrue(pieces.stream().noneMatch(p -> p.contains("\uFFFD")), pieces::toString);

        Tokenizer llama2 = Vocabulary.LLAMA2.ours();
        int[] fallback = llama2.encode("\uD83E\uDEE0").ids(); // U+1FAE0: not in the vocabulary, four <0xNN> tokens
        IncrementalDecoder d2 = llama2.incrementalDecoder(true);
        StringBuilder out = new StringBuilder();
        int nonEmpty = 0;
        for (int id : fallback) {
            String p = d2.next(id);
            nonEmpty += p.isEmpty() ? 0 : 1;
            out.append(p);
        }
        assertEquals("\uD83E\uDEE0", out.toString().strip());
        assertEquals(1, nonEmpty);
    }

    static long[] toLong(int[] a) {
        long[] l = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            l[i] = a[i];
        }
        return l;
    }

    static int[] toInt(long[] a) {
        int[] l = new int[a.length];
        for (int i = 0; i < a.length; i++) {
            l[i] = (int) a[i];
        }
        return l;
    }
}
