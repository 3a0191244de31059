package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Compares ids, type ids and offsets with the Hugging Face implementation (through DJL) on
 * generated text, for both tokenizer files. Any difference fails the test, listing the lines.
 */
class ReferenceTokenizerTest {

    private static final int LINES = 20_000;
    private static final int PAIRS = 3_000;
    private static final int MAX_REPORTED = 15;

    @ParameterizedTest
    @ValueSource(strings = {TokenizerFiles.MINILM, TokenizerFiles.BGE})
    void singleTextsMatchReference(String file) throws Exception {
        BertTokenizer ours = TokenizerFiles.ours(file);
        List<String> lines = NastyCorpus.lines(20240611L + file.length(), LINES);
        assertNoMismatches(compareSingles(file, ours, lines, "line "), lines.size());
    }

    /** Our encodings of single texts against the reference's, in batches of 1000. */
    private static List<String> compareSingles(String file, BertTokenizer ours, List<String> lines, String label)
            throws Exception {
        List<String> mismatches = new ArrayList<>();
        try (HuggingFaceTokenizer ref = TokenizerFiles.reference(file)) {
            for (int from = 0; from < lines.size(); from += 1000) {
                List<String> batch = lines.subList(from, Math.min(lines.size(), from + 1000));
                ai.djl.huggingface.tokenizers.Encoding[] expected = ref.batchEncode(batch);
                for (int i = 0; i < batch.size(); i++) {
                    compare(label + (from + i), batch.get(i), null, expected[i], ours.encode(batch.get(i)), mismatches);
                }
            }
        }
        return mismatches;
    }

    @ParameterizedTest
    @ValueSource(strings = {TokenizerFiles.MINILM, TokenizerFiles.BGE})
    void pairsMatchReference(String file) throws Exception {
        BertTokenizer ours = TokenizerFiles.ours(file);
        List<String> lines = NastyCorpus.lines(77L + file.length(), 2 * PAIRS);
        PairList<String, String> pairs = new PairList<>();
        for (int i = 0; i < PAIRS; i++) {
            pairs.add(lines.get(2 * i), lines.get(2 * i + 1));
        }
        List<String> mismatches = new ArrayList<>();
        try (HuggingFaceTokenizer ref = TokenizerFiles.reference(file)) {
            ai.djl.huggingface.tokenizers.Encoding[] expected = ref.batchEncode(pairs);
            for (int i = 0; i < PAIRS; i++) {
                String a = pairs.keyAt(i);
                String b = pairs.valueAt(i);
                compare("pair " + i, a, b, expected[i], ours.encodePair(a, b), mismatches);
            }
        }
        assertNoMismatches(mismatches, PAIRS);
    }

    /** Every code point on its own between two letters, which shows how each one is classified. */
    @ParameterizedTest
    @ValueSource(strings = {TokenizerFiles.MINILM})
    void everyCodePointMatchesReference(String file) throws Exception {
        BertTokenizer ours = TokenizerFiles.ours(file);
        List<String> lines = new ArrayList<>();
        StringBuilder s = new StringBuilder();
        for (int cp = 0; cp < 0x110000; cp++) {
            boolean sampled = cp < 0x32000 || (cp >= 0xE0000 && cp < 0xE1000) || cp % 4099 == 0 || cp > 0x10FFF0;
            if (!sampled || (cp >= 0xD800 && cp <= 0xDFFF)) {
                continue;
            }
            s.append('x').appendCodePoint(cp).append("y ");
            if (s.length() > 400) {
                lines.add(s.toString());
                s.setLength(0);
            }
        }
        lines.add(s.toString());
        assertNoMismatches(compareSingles(file, ours, lines, "sweep line "), lines.size());
    }

    /** Truncation against the reference's own truncation (longest_first for pairs). */
    @ParameterizedTest
    @ValueSource(ints = {5, 8, 16, 33})
    void truncationMatchesReference(int maxLength) throws Exception {
        String file = TokenizerFiles.MINILM;
        BertTokenizer ours = TokenizerFiles.ours(file);
        List<String> lines = NastyCorpus.lines(99L + maxLength, 1_000);
        List<String> mismatches = new ArrayList<>();
        try (HuggingFaceTokenizer ref = TokenizerFiles.reference(file, Map.of("addSpecialTokens", "true",
                "padding", "false", "truncation", "true", "maxLength", Integer.toString(maxLength)))) {
            for (int i = 0; i + 1 < lines.size(); i += 2) {
                String a = lines.get(i);
                String b = lines.get(i + 1);
                compare("single " + i, a, null, ref.encode(a), ours.encode(a).truncate(maxLength), mismatches);
                compare("pair " + i, a, b, ref.encode(a, b), ours.encodePair(a, b).truncate(maxLength), mismatches);
            }
        }
        assertNoMismatches(mismatches, lines.size());
    }

    private static void assertNoMismatches(List<String> mismatches, int total) {
        assertTrue(mismatches.isEmpty(), () -> mismatches.size() + " of " + total + " differ from the reference:\n"
                + String.join("\n", mismatches.subList(0, Math.min(MAX_REPORTED, mismatches.size()))));
    }

    static void compare(String where, String a, String b, ai.djl.huggingface.tokenizers.Encoding expected,
                                Encoding actual, List<String> mismatches) {
        long[] ids = expected.getIds();
        long[] typeIds = expected.getTypeIds();
        long[] special = expected.getSpecialTokenMask();
        CharSpan[] spans = expected.getCharTokenSpans();
        boolean same = ids.length == actual.length();
        // The reference counts offsets in code points; ours are UTF-16 indices. Convert theirs.
        int[] unitsA = codePointToUnit(a);
        int[] unitsB = b == null ? null : codePointToUnit(b);
        int[] expStarts = new int[ids.length];
        int[] expEnds = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            if (special[i] == 1 || spans[i] == null) {
                expStarts[i] = -1;
                expEnds[i] = -1;
            } else {
                int[] units = b != null && typeIds[i] == 1 ? unitsB : unitsA;
                expStarts[i] = units[spans[i].getStart()];
                expEnds[i] = units[spans[i].getEnd()];
            }
        }
        for (int i = 0; same && i < ids.length; i++) {
            same = ids[i] == actual.ids()[i] && typeIds[i] == actual.typeIds()[i]
                    && expStarts[i] == actual.starts()[i] && expEnds[i] == actual.ends()[i];
        }
        if (!same) {
            StringBuilder s = new StringBuilder();
            s.append(where).append(": ").append(escape(a));
            if (b != null) {
                s.append(" || ").append(escape(b));
            }
            s.append("\n   reference: ");
            for (int i = 0; i < ids.length; i++) {
                s.append(escape(expected.getTokens()[i])).append('/').append(ids[i]);
                if (typeIds[i] != 0) {
                    s.append(" t").append(typeIds[i]);
                }
                if (expStarts[i] >= 0) {
                    s.append(" @").append(expStarts[i]).append('-').append(expEnds[i]);
                }
                s.append(", ");
            }
            s.append("\n   ours:      ").append(escape(actual.toString()));
            mismatches.add(s.toString());
        }
    }

    private static int[] codePointToUnit(String s) {
        int[] units = new int[s.codePointCount(0, s.length()) + 1];
        int cp = 0;
        for (int i = 0; i < s.length(); i += Character.charCount(s.codePointAt(i))) {
            units[cp++] = i;
        }
        units[cp] = s.length();
        return units;
    }

    static String escape(String s) {
        StringBuilder out = new StringBuilder();
        s.codePoints().forEach(cp -> {
            if (cp >= 0x20 && cp < 0x7F) {
                out.append((char) cp);
            } else {
                out.append(String.format(cp < 0x10000 ? "\\u%04X" : "\\U%06X", cp));
            }
        });
        return out.toString();
    }
}
