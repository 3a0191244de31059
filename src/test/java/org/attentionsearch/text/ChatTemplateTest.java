package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import org.attentionsearch.testing.LlamaCpp;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.Vocabulary;
import org.attentionsearch.text.ChatTemplate.Message;
import org.attentionsearch.weights.GgufFile;
import org.junit.jupiter.api.Test;

/**
 * The chat templates of the npm fixtures' tokenizer_config.json files (Llama 3's and Qwen3's;
 * Llama 2's declares none) rendered by Jinjava, against llama.cpp's {@code llama_chat_apply_template},
 * which recognises each template by its text and writes the turns with its own code; and the
 * rendered text tokenized as transformers' apply_chat_template tokenizes it, against Hugging Face's
 * tokenizer and llama.cpp's.
 */
class ChatTemplateTest {

    /** Conversations that end with the user's turn, as a prompt does; contents with edge spaces, lines and other scripts. */
    static final List<List<Message>> CONVERSATIONS = List.of(
            List.of(Message.user("Hello!")),
            List.of(Message.system("You are a terse assistant."), Message.user("What is 2 + 2?")),
            List.of(Message.system("Answer in French.\n"), Message.user("  Good morning  "),
                    Message.assistant("Bonjour !"), Message.user("How are you?\nTwo lines.")),
            List.of(Message.user("Name a colour."), Message.assistant("Blue."), Message.user("Another?"),
                    Message.assistant("Green — or 緑."), Message.user("Thanks 🙂")));

    private static final Map<Vocabulary, Tokenizer> TOKENIZERS = new EnumMap<>(Vocabulary.class);

    /** The vocabulary's tokenizer.json with its tokenizer_config.json, as a model directory gives it. */
    private static synchronized Tokenizer tokenizer(Vocabulary v) {
        return TOKENIZERS.computeIfAbsent(v, x -> Tokenizers.fromJson(x.tokenizerJson(), x.tokenizerConfigJson()));
    }

    private static ChatTemplate template(Vocabulary v) {
        return ChatTemplateFiles.fromTokenizerConfig(v.tokenizerConfigJson(), tokenizer(v)).orElseThrow();
    }

    private static String llamaCpp(ChatTemplate t, List<Message> messages, boolean addAssistant) {
        List<LlamaCpp.ChatMessage> turns = messages.stream().map(m -> new LlamaCpp.ChatMessage(m.role(), m.content())).toList();
        return LlamaCpp.applyChatTemplate(t.source(), turns, addAssistant)
                .orElseThrow(() -> new AssertionError("llama.cpp does not recognise the template"));
    }

    /**
     * Llama 3: llama.cpp writes the turns without BOS (its tokenizer adds it), the template writes
     * {@code bos_token} first, so ours is the config's BOS followed by llama.cpp's text. This base
     * model's template writes the assistant header whatever {@code add_generation_prompt} says, so
     * without it the rendering still equals llama.cpp's with the header.
     */
    @Test
    void llama3MatchesLlamaCppAfterTheBosItWrites() {
        ChatTemplate t = template(Vocabulary.LLAMA3);
        assertEquals("<|begin_of_text|>", t.bosToken());
        for (List<Message> c : CONVERSATIONS) {
            String reference = llamaCpp(t, c, true);
            assertEquals(t.bosToken() + reference, t.render(c, true), c.toString());
            assertEquals(t.bosToken() + reference, t.render(c, false), "the template ignores add_generation_prompt: " + c);
        }
        assertEquals(t.render(List.of(Message.user("Hi")), true), t.renderUserPrompt("Hi"));
    }

    /** Qwen3 (ChatML): the same text as llama.cpp's, with and without the generation prompt; no BOS on either side. */
    @Test
    void qwen3MatchesLlamaCpp() {
        ChatTemplate t = template(Vocabulary.QWEN3);
        assertEquals(null, t.bosToken(), "Qwen3's config names no BOS");
        for (List<Message> c : CONVERSATIONS) {
            assertEquals(llamaCpp(t, c, true), t.render(c, true), c.toString());
            assertEquals(llamaCpp(t, c, false), t.render(c, false), c.toString());
        }
    }

    /**
     * Qwen3's reasoning: an assistant turn before the last user message loses its
     * {@code <think>…</think>} block (so the reference is llama.cpp's rendering of the turn without
     * it), and a last assistant turn keeps it in the form the template writes (so, given in that form,
     * llama.cpp's verbatim rendering is the reference). llama.cpp's ChatML code knows neither rule.
     */
    @Test
    void qwen3DropsEarlierReasoningAndKeepsTheLast() {
        ChatTemplate t = template(Vocabulary.QWEN3);
        List<Message> earlier = List.of(Message.user("2 + 2?"), Message.assistant("<think>\nAdd them.\n</think>\n\n4"), Message.user("3 + 3?"));
        List<Message> withoutThinking = List.of(earlier.get(0), Message.assistant("4"), earlier.get(2));
        assertEquals(llamaCpp(t, withoutThinking, true), t.render(earlier, true));

        List<Message> last = List.of(Message.user("2 + 2?"), Message.assistant("<think>\nAdd them.\n</think>\n\n4"));
        assertEquals(llamaCpp(t, last, false), t.render(last, false));
    }

    @Test
    void llama2DeclaresNoTemplate() {
        assertTrue(ChatTemplateFiles.fromTokenizerConfig(Vocabulary.LLAMA2.tokenizerConfigJson(), tokenizer(Vocabulary.LLAMA2)).isEmpty());
    }

    /**
     * A rendered Llama 3 chat tokenized without the tokenizer's own special tokens holds exactly one
     * BOS, the one the template wrote: with the GGUF tokenizer, which adds BOS to a text (so
     * {@code encode(text)} would hold two), the same ids as llama.cpp's tokenizer without added
     * specials; with the fixture's tokenizer.json (which adds none), Hugging Face's with
     * add_special_tokens=False.
     */
    @Test
    void renderedLlama3ChatTokenizesWithOneBos() throws Exception {
        Vocabulary v = Vocabulary.LLAMA3;
        Path vocabularyGguf = SyntheticModels.vocabularyGguf(v);
        Tokenizer gguf;
        try (GgufFile f = GgufFile.open(vocabularyGguf)) {
            gguf = Tokenizers.fromGguf(f.metadata());
        }
        Tokenizer json = tokenizer(v);
        int bos = gguf.bos().orElseThrow();
        try (LlamaCpp.Model reference = LlamaCpp.loadVocabOnly(vocabularyGguf); HuggingFaceTokenizer hf = huggingFace(v)) {
            for (List<Message> c : CONVERSATIONS) {
                String text = template(v).render(c, true);
                int[] ids = gguf.encode(text, false).ids();
                assertEquals(1, Arrays.stream(ids).filter(id -> id == bos).count(), text);
                assertEquals(bos, ids[0]);
                assertEquals(2, Arrays.stream(gguf.encode(text).ids()).filter(id -> id == bos).count(),
                        "the GGUF tokenizer adds its BOS before the template's");
                assertArrayEquals(LlamaCpp.tokenize(reference, text, false, true), ids, text);
                assertArrayEquals(ids(hf, text), json.encode(text, false).ids(), text);
                assertArrayEquals(ids, json.encode(text, false).ids(), text);
            }
        }
    }

    /** Qwen3's tokenizer adds nothing around a text: the rendered chat's ids are the same either way, and Hugging Face's. */
    @Test
    void renderedQwen3ChatTokenizesAsHuggingFace() throws Exception {
        Vocabulary v = Vocabulary.QWEN3;
        Tokenizer tokenizer = tokenizer(v);
        try (HuggingFaceTokenizer hf = huggingFace(v)) {
            for (List<Message> c : CONVERSATIONS) {
                String text = template(v).render(c, true);
                assertArrayEquals(ids(hf, text), tokenizer.encode(text, false).ids(), text);
                assertArrayEquals(tokenizer.encode(text).ids(), tokenizer.encode(text, false).ids(), text);
            }
        }
    }

    /** Hugging Face's tokenizer on the vocabulary's tokenizer.json with add_special_tokens=False, as apply_chat_template calls it. */
    private static HuggingFaceTokenizer huggingFace(Vocabulary v) throws Exception {
        return TokenizerFiles.reference(v.tokenizerJson(), Map.of("addSpecialTokens", "false", "padding", "false", "truncation", "false"));
    }

    private static int[] ids(HuggingFaceTokenizer hf, String text) {
        return Arrays.stream(hf.encode(text).getIds()).mapToInt(Math::toIntExact).toArray();
    }
}
