package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import org.attentionsearch.testing.Vocabulary;
import org.junit.jupiter.api.Test;

/** The factory: model types, the BOS/EOS policy with tokenizer_config.json, special ids, and bad files. */
class TokenizersTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void modelTypeChoosesTheTokenizer() {
        assertInstanceOf(BertTokenizer.class, Tokenizers.fromJson(TokenizerFiles.bytes(TokenizerFiles.MINILM), null));
        assertInstanceOf(BpeTokenizer.class, Vocabulary.LLAMA2.ours());
    }

    /** Llama-style classes: add_bos_token/add_eos_token rebuild the template, as LlamaTokenizerFast does. */
    @Test
    void llamaConfigFlagsRebuildTheTemplate() throws Exception {
        Vocabulary v = Vocabulary.LLAMA2;
        Tokenizer plain = v.ours();
        int[] text = Arrays.copyOfRange(plain.encode("Hello world").ids(), 1, plain.encode("Hello world").length());
        assertEquals(1, plain.encode("Hello world").ids()[0]);

        Tokenizer asShipped = Tokenizers.fromJson(v.tokenizerJson(), v.tokenizerConfigJson());
        assertArrayEquals(plain.encode("Hello world").ids(), asShipped.encode("Hello world").ids());

        Tokenizer withEos = Tokenizers.fromJson(v.tokenizerJson(), config(v, c -> c.put("add_eos_token", true)));
        assertArrayEquals(concat(new int[] {1}, text, new int[] {2}), withEos.encode("Hello world").ids());
        Encoding e = withEos.encode("Hello world");
        assertEquals(-1, e.starts()[e.length() - 1]);

        Tokenizer noBos = Tokenizers.fromJson(v.tokenizerJson(), config(v, c -> c.put("add_bos_token", false)));
        assertArrayEquals(text, noBos.encode("Hello world").ids());

        // Other classes keep the tokenizer.json template whatever the flags say.
        Tokenizer otherClass = Tokenizers.fromJson(v.tokenizerJson(),
                config(v, c -> c.put("add_bos_token", false).put("tokenizer_class", "PreTrainedTokenizerFast")));
        assertArrayEquals(plain.encode("Hello world").ids(), otherClass.encode("Hello world").ids());
        assertEquals(1, asShipped.bos().getAsInt());
        assertEquals(2, asShipped.eos().getAsInt());
        assertTrue(asShipped.isSpecial(1) && asShipped.isSpecial(0) && !asShipped.isSpecial(text[0]));
    }

    @Test
    void qwenIgnoresAddBosAndNamesItsStops() {
        Vocabulary v = Vocabulary.QWEN3;
        Tokenizer t = Tokenizers.fromJson(v.tokenizerJson(), v.tokenizerConfigJson());
        assertArrayEquals(v.ours().encode("Hello").ids(), t.encode("Hello").ids());
        assertFalse(t.bos().isPresent());
        int imEnd = t.id("<|im_end|>").getAsInt();
        int endOfText = t.id("<|endoftext|>").getAsInt();
        assertEquals(imEnd, t.eos().getAsInt());
        assertTrue(Arrays.stream(t.stopIds()).boxed().toList().containsAll(List.of(imEnd, endOfText)));
    }

    /** generation_config.json's eos_token_id (a list for Llama 3.1) joins the stop ids; a wrong value is one sentence. */
    @Test
    void generationConfigAddsStopIds() {
        byte[] generation = "{\"bos_token_id\": 128000, \"eos_token_id\": [128001, 128008, 128009]}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        Tokenizer t = Tokenizers.fromJson(Vocabulary.LLAMA3.tokenizerJson(), Vocabulary.LLAMA3.tokenizerConfigJson(), generation);
        assertTrue(Arrays.stream(t.stopIds()).boxed().toList().containsAll(List.of(128001, 128008, 128009)));
        assertEquals(128000, t.bos().getAsInt());
        Tokenizer gpt2 = Tokenizers.fromJson(Vocabulary.GPT2.tokenizerJson(), null, "{\"eos_token_id\": 50256}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertEquals(50256, gpt2.eos().getAsInt());
        TokenizerFormatException e = org.junit.jupiter.api.Assertions.assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.fromJson(Vocabulary.GPT2.tokenizerJson(), null, "{\"eos_token_id\": \"x\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("eos_token_id"), e.getMessage());
    }

    @Test
    void llama3AndGpt2SpecialIds() {
        Tokenizer llama3 = Tokenizers.fromJson(Vocabulary.LLAMA3.tokenizerJson(), Vocabulary.LLAMA3.tokenizerConfigJson());
        assertEquals(128000, llama3.bos().getAsInt());
        assertEquals(128001, llama3.eos().getAsInt());
        assertTrue(llama3.encode("Hi").hasOffsets(0), "PreTrainedTokenizerFast with this tokenizer.json adds no BOS");
        assertTrue(Arrays.stream(llama3.stopIds()).anyMatch(id -> id == llama3.id("<|eot_id|>").getAsInt()));

        Tokenizer gpt2 = Vocabulary.GPT2.ours();
        assertEquals(50256, gpt2.eos().getAsInt());
        assertFalse(gpt2.bos().isPresent());
        assertEquals(50257, gpt2.vocabSize());
        assertEquals("<|endoftext|>", gpt2.token(50256));
        assertThrows(IllegalArgumentException.class, () -> gpt2.token(50257));
    }

    /** BERT's tokenizer implements the decoder side too: its WordPiece decoder, as Hugging Face's. */
    @Test
    void bertDecodesAsTheReference() throws Exception {
        Tokenizer bert = Tokenizers.fromJson(TokenizerFiles.bytes(TokenizerFiles.MINILM), null);
        assertEquals(101, bert.bos().getAsInt());
        assertEquals(102, bert.eos().getAsInt());
        assertTrue(bert.isSpecial(101) && bert.isSpecial(0) && !bert.isSpecial(2000));
        try (HuggingFaceTokenizer ref = TokenizerFiles.reference(TokenizerFiles.MINILM)) {
            for (String line : NastyCorpus.lines(17L, 1_000)) {
                int[] ids = bert.encode(line).ids();
                for (boolean skip : new boolean[] {false, true}) {
                    assertEquals(ref.decode(DecodeTest.toLong(ids), skip), bert.decode(ids, skip), ReferenceTokenizerTest.escape(line));
                }
            }
        }
    }

    @Test
    void badFilesAreOneClearSentence() {
        assertMessage("{\"model\": {\"type\": \"Unigram\", \"vocab\": []}}", "Unsupported model type \"Unigram\"");
        assertMessage("{\"model\": ", "not valid JSON");
        assertMessage("[]", "must contain a JSON object");
        assertMessage("{}", "no \"model\"");
        String bpe = "\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [%s]}";
        assertMessage("{" + bpe.formatted("\"a c\"") + "}", "uses a token that is not in the vocabulary");
        assertMessage("{" + bpe.formatted("\"a b\"") + "}", "makes \"ab\", which is not in the vocabulary");
        assertMessage("{" + bpe.formatted("\"a b c\"") + "}", "not two tokens separated by one space");
        assertMessage("{\"normalizer\": {\"type\": \"NFKD\"}, " + bpe.formatted("") + "}", "Unsupported normalizer type \"NFKD\"");
        assertMessage("{\"pre_tokenizer\": {\"type\": \"Whitespace\"}, " + bpe.formatted("") + "}", "Unsupported pre-tokenizer type \"Whitespace\"");
        assertMessage("{\"pre_tokenizer\": {\"type\": \"Split\", \"pattern\": {\"Regex\": \"(?<=a)\"}, \"behavior\": \"Isolated\"}, "
                + bpe.formatted("") + "}", "cannot be used: lookbehind");
        assertMessage("{\"decoder\": {\"type\": \"CTC\"}, " + bpe.formatted("") + "}", "Unsupported decoder type \"CTC\"");
        assertMessage("{\"post_processor\": {\"type\": \"RobertaProcessing\"}, " + bpe.formatted("") + "}", "Unsupported post-processor type");
        assertMessage("{\"model\": {\"type\": \"BPE\", \"dropout\": 0.1, \"vocab\": {}}}", "dropout");
        assertMessage("{\"model\": {\"type\": \"BPE\", \"unk_token\": \"<unk>\", \"vocab\": {\"a\": 0}}}", "\"<unk>\" is not in the vocabulary");
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class, () -> Tokenizers.fromJson(
                Vocabulary.LLAMA2.tokenizerJson(), "{\"tokenizer_class\": \"LlamaTokenizer\", \"add_bos_token\": true, \"bos_token\": \"<BOS>\"}"
                        .getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains("\"<BOS>\""), e.getMessage());
    }

    private static void assertMessage(String json, String part) {
        TokenizerFormatException e = assertThrows(TokenizerFormatException.class,
                () -> Tokenizers.fromJson(json.getBytes(StandardCharsets.UTF_8), null));
        assertTrue(e.getMessage().contains(part), e.getMessage());
        assertTrue(e.getMessage().endsWith("."), e.getMessage());
    }

    private static byte[] config(Vocabulary v, Consumer<ObjectNode> edit) throws Exception {
        ObjectNode c = (ObjectNode) JSON.readTree(v.tokenizerConfigJson());
        edit.accept(c);
        return JSON.writeValueAsBytes(c);
    }

    private static int[] concat(int[]... parts) {
        return Arrays.stream(parts).flatMapToInt(Arrays::stream).toArray();
    }
}
