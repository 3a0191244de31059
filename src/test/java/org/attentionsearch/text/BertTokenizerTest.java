package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BertTokenizerTest {

    private static final BertTokenizer MINILM = TokenizerFiles.ours(TokenizerFiles.MINILM);

    @Test
    void vocabularyAndSpecialIdsComeFromTheFile() {
        assertEquals(30522, MINILM.vocabSize());
        assertEquals(0, MINILM.padId());
        assertEquals(101, MINILM.clsId());
        assertEquals(102, MINILM.sepId());
        assertEquals(100, MINILM.unkId());
        assertEquals("[CLS]", MINILM.token(101));
        assertEquals("##ing", MINILM.token(MINILM.id("##ing").orElseThrow()));
        assertEquals(OptionalInt.of(103), MINILM.id("[MASK]"));
        assertEquals(OptionalInt.empty(), MINILM.id("no-such-token"));
        assertThrows(IllegalArgumentException.class, () -> MINILM.token(-1));
        assertThrows(IllegalArgumentException.class, () -> MINILM.token(30522));
    }

    @Test
    void encodesASentence() {
        Encoding e = MINILM.encode("Hello, Tokenization!");
        assertArrayEquals(new String[] {"[CLS]", "hello", ",", "token", "##ization", "!", "[SEP]"}, e.tokens());
        assertArrayEquals(new int[] {-1, 0, 5, 7, 12, 19, -1}, e.starts());
        assertArrayEquals(new int[] {-1, 5, 6, 12, 19, 20, -1}, e.ends());
        assertFalse(e.hasOffsets(0));
        assertTrue(e.hasOffsets(1));
        assertEquals(7, e.length());
    }

    @Test
    void literalSpecialTokenInTextIsMatchedBeforeNormalization() {
        Encoding e = MINILM.encode("a [MASK] b [mask]");
        assertArrayEquals(new String[] {"[CLS]", "a", "[MASK]", "b", "[", "mask", "]", "[SEP]"}, e.tokens());
        assertEquals(103, e.ids()[2]);
        assertEquals(2, e.starts()[2]);
        assertEquals(8, e.ends()[2]);
    }

    @Test
    void offsetsAreUtf16IndicesIntoTheOriginal() {
        String text = "😀 Ça\u0301fé 日本";
        Encoding e = MINILM.encode(text);
        for (int i = 0; i < e.length(); i++) {
            if (e.hasOffsets(i) && e.ids()[i] != MINILM.unkId()) {
                String piece = text.substring(e.starts()[i], e.ends()[i]);
                assertTrue(MINILM.normalize(piece).contains(e.tokens()[i].replace("##", "")), e.toString());
            }
        }
        assertEquals("[UNK]", e.tokens()[1]);
        assertEquals(0, e.starts()[1]);
        assertEquals(2, e.ends()[1]); // a surrogate pair
    }

    @Test
    void emptyAndInvisibleTextGiveOnlySpecialTokens() {
        assertArrayEquals(new int[] {101, 102}, MINILM.encode("").ids());
        assertArrayEquals(new int[] {101, 102}, MINILM.encode(" \t\u200B\uFEFF\u0000 ").ids());
    }

    /** Each text token's span, normalized, contains the token (without its continuation prefix). */
    @ParameterizedTest
    @ValueSource(strings = {TokenizerFiles.MINILM, TokenizerFiles.BGE})
    void offsetsPointAtTheTextThatNormalizesToTheToken(String file) {
        BertTokenizer tokenizer = TokenizerFiles.ours(file);
        int checked = 0;
        for (String text : NastyCorpus.lines(3, 3_000)) {
            Encoding e = tokenizer.encode(text);
            int previousStart = 0;
            for (int i = 0; i < e.length(); i++) {
                if (!e.hasOffsets(i)) {
                    assertEquals(-1, e.ends()[i]);
                    continue;
                }
                int start = e.starts()[i];
                int end = e.ends()[i];
                assertTrue(0 <= start && start < end && end <= text.length(), () -> "bad span in " + e);
                assertTrue(start >= previousStart, () -> "spans go backwards in " + e);
                previousStart = start;
                String piece = text.substring(start, end);
                assertFalse(Character.isWhitespace(piece.codePointAt(0)), () -> "span starts with a space in " + e);
                String token = e.tokens()[i];
                if (e.ids()[i] == tokenizer.unkId() || piece.equals(token)) {
                    continue; // unknown words, and added tokens such as a literal [MASK], which are not normalized
                }
                String normalized = tokenizer.normalize(piece);
                String bare = token.startsWith("##") ? token.substring(2) : token;
                assertTrue(normalized.contains(bare), () -> "'" + piece + "' normalizes to '" + normalized
                        + "', not containing token '" + token + "'");
                checked++;
            }
        }
        assertTrue(checked > 20_000, "too few tokens checked: " + checked);
    }

    @Test
    void truncateKeepsClsAndSep() {
        Encoding full = MINILM.encode("one two three four five six seven eight nine ten");
        assertEquals(12, full.length());
        Encoding cut = full.truncate(5);
        assertArrayEquals(new String[] {"[CLS]", "one", "two", "three", "[SEP]"}, cut.tokens());
        assertArrayEquals(new int[] {-1, 0, 4, 8, -1}, cut.starts());
        assertSame(full, full.truncate(12));
        assertSame(full, full.truncate(100));
        assertArrayEquals(new String[] {"[CLS]", "[SEP]"}, full.truncate(2).tokens());
        assertThrows(IllegalArgumentException.class, () -> full.truncate(1));
        assertThrows(IllegalArgumentException.class, () -> full.truncate(-1));
    }

    @Test
    void truncatePairCutsTheLongerSequenceFirst() {
        Encoding pair = MINILM.encodePair("a b", "one two three four five six seven eight");
        Encoding cut = pair.truncate(9);
        assertArrayEquals(new String[] {"[CLS]", "a", "b", "[SEP]", "one", "two", "three", "four", "[SEP]"}, cut.tokens());
        assertArrayEquals(new int[] {0, 0, 0, 0, 1, 1, 1, 1, 1}, cut.typeIds());
        // Both too long: split evenly, the odd token going to the second.
        Encoding both = MINILM.encodePair("a b c d e f", "u v w x y z").truncate(10);
        assertArrayEquals(new String[] {"[CLS]", "a", "b", "c", "[SEP]", "u", "v", "w", "x", "[SEP]"}, both.tokens());
    }

    @Test
    void pairHasTypeIdsFromTheTemplate() {
        Encoding e = MINILM.encodePair("Hi", "there you");
        assertArrayEquals(new String[] {"[CLS]", "hi", "[SEP]", "there", "you", "[SEP]"}, e.tokens());
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, e.typeIds());
        assertArrayEquals(new int[] {-1, 0, -1, 0, 6, -1}, e.starts());
    }

    @Test
    void veryLongWordIsUnknown() {
        String word = "a".repeat(101);
        Encoding e = MINILM.encode(word + " b");
        assertArrayEquals(new String[] {"[CLS]", "[UNK]", "b", "[SEP]"}, e.tokens());
        assertEquals(101, e.ends()[1]);
        // 100 code points is still allowed even if they are 200 UTF-16 units.
        String astral = "\uD835\uDC1A".repeat(100);
        assertEquals(1, MINILM.encode(astral).length() - 2);
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "", "not json", "[1, 2]", "{}", "{\"model\": 3}", "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}}}",
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {}}}",
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0}}}",
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": \"zero\"}}}",
        "{\"normalizer\": {\"type\": \"NFKC\"}, \"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}}}",
        "{\"pre_tokenizer\": {\"type\": \"Whitespace\"}, \"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}}}",
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}}, \"post_processor\": {\"type\": \"TemplateProcessing\","
                + " \"single\": [{\"SpecialToken\": {\"id\": \"[CLS]\", \"type_id\": 0}}], \"special_tokens\": {}}}",
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}}, \"post_processor\": {\"type\": \"RobertaProcessing\"}}",
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}}, \"added_tokens\": {}}",
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}}}",
        "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0}, \"max_input_chars_per_word\": \"many\"}}",
    })
    void malformedFilesAreRejectedWithOneSentence(String json) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> BertTokenizer.fromJson(json.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().endsWith(".") && !e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e instanceof IllegalArgumentException);
    }

    @Test
    void minimalFileWorks() {
        String json = "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2, \"hi\": 3, \"##s\": 4}},"
                + " \"normalizer\": {\"type\": \"BertNormalizer\"}, \"pre_tokenizer\": {\"type\": \"BertPreTokenizer\"},"
                + " \"post_processor\": {\"type\": \"BertProcessing\", \"sep\": [\"[SEP]\", 2], \"cls\": [\"[CLS]\", 1]}}";
        BertTokenizer t = BertTokenizer.fromJson(json.getBytes(StandardCharsets.UTF_8));
        assertArrayEquals(new int[] {1, 3, 4, 0, 2}, t.encode("HIS hix").ids());
        assertEquals(0, t.padId());
        assertEquals(5, t.vocabSize());
    }
}
