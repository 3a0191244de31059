package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.attentionsearch.testing.Vocabulary;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code encode(text, false)} against Hugging Face's tokenizer with add_special_tokens=False: the
 * special tokens the post-processor puts around a text are left out (Llama 2's {@code <s>}, BERT's
 * {@code [CLS] … [SEP]}), those written in the text stay.
 */
class TokenizerWithoutSpecialTokensTest {

    private static final Map<String, String> WITHOUT = Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false");
    private static final List<String> LINES = List.of("Hello world", " leading space", "<s>[INST] Hi [/INST] Yo</s>",
            "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>", "<|im_start|>user\nHi<|im_end|>\n",
            "text <|endoftext|> more", "");

    @ParameterizedTest
    @EnumSource(Vocabulary.class)
    void decodersMatchHuggingFace(Vocabulary v) throws Exception {
        assertSameAsReference(Tokenizers.fromJson(v.tokenizerJson(), null), v.tokenizerJson());
    }

    @Test
    void bertMatchesHuggingFace() throws Exception {
        byte[] json = TokenizerFiles.bytes(TokenizerFiles.MINILM);
        assertSameAsReference(Tokenizers.fromJson(json, null), json);
    }

    private static void assertSameAsReference(Tokenizer ours, byte[] tokenizerJson) throws Exception {
        try (HuggingFaceTokenizer reference = TokenizerFiles.reference(tokenizerJson, WITHOUT)) {
            for (String line : LINES) {
                Encoding expected = reference.encode(line);
                org.attentionsearch.text.Encoding actual = ours.encode(line, false);
                assertArrayEquals(Arrays.stream(expected.getIds()).mapToInt(Math::toIntExact).toArray(), actual.ids(), line);
                assertArrayEquals(ours.encode(line).ids(), ours.encode(line, true).ids(), line);
            }
        }
    }
}
