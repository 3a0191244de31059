package org.attentionsearch.text;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's chat template: the Jinja template (Hugging Face's {@code chat_template}, GGUF's
 * {@code tokenizer.chat_template}) that writes a conversation as the text the model was trained
 * on, rendered by Jinjava the way transformers' {@code apply_chat_template} renders it with Jinja2.
 * <p>The template sees {@code messages} (each with {@code role} and {@code content}, as
 * {@code message.role} or {@code message['role']}), {@code add_generation_prompt}, and the model's
 * {@code bos_token} and {@code eos_token} when it declares them; {@code tools} and {@code documents}
 * are undefined. The rendered text usually begins with the BOS token the template writes itself,
 * so it is tokenized without the tokenizer's own special tokens:
 * {@code tokenizer.encode(text, false)}.
 * <p>Immutable and safe for concurrent use. A hostile template is stopped by limits on output, list
 * sizes, steps and time, cannot read files, and can call no Java method.
 */
public final class ChatTemplate {

    /** One turn of a conversation: {@code role} is "system", "user", "assistant" or another the template knows. */
    public record Message(String role, String content) {
        public Message {
            Objects.requireNonNull(role, "role");
            Objects.requireNonNull(content, "content");
        }

        public static Message system(String content) {
            return new Message("system", content);
        }

        public static Message user(String content) {
            return new Message("user", content);
        }

        public static Message assistant(String content) {
            return new Message("assistant", content);
        }
    }

    /** Far longer than any real template (the longest are some tens of thousands of characters). */
    static final int MAX_SOURCE = 1 << 20;

    private static final JinjaEnvironment SHARED = new JinjaEnvironment(JinjaEnvironment.Limits.DEFAULT, Clock.systemDefaultZone());

    private final String source;
    private final String bosToken;
    private final String eosToken;
    private final JinjaEnvironment environment;

    private ChatTemplate(String source, String bosToken, String eosToken, JinjaEnvironment environment) {
        this.source = Objects.requireNonNull(source, "source");
        if (source.length() > MAX_SOURCE) {
            throw new IllegalArgumentException("The chat template is " + source.length() + " characters long; at most "
                    + MAX_SOURCE + " are accepted.");
        }
        this.bosToken = bosToken;
        this.eosToken = eosToken;
        this.environment = environment;
    }

    /**
     * A chat template.
     *
     * @param source   the Jinja template
     * @param bosToken the model's BOS token as the template writes it ({@code <|begin_of_text|>}), or null if it has none
     * @param eosToken the model's EOS token, or null
     * @throws IllegalArgumentException if the template is implausibly long
     */
    public static ChatTemplate of(String source, String bosToken, String eosToken) {
        return new ChatTemplate(source, bosToken, eosToken, SHARED);
    }

    /** The same template rendered under other limits or another clock (for strftime_now). */
    static ChatTemplate of(String source, String bosToken, String eosToken, JinjaEnvironment environment) {
        return new ChatTemplate(source, bosToken, eosToken, environment);
    }

    /** The Jinja source. */
    public String source() {
        return source;
    }

    /** The BOS token the template is given as {@code bos_token}, or null. */
    public String bosToken() {
        return bosToken;
    }

    /** The EOS token the template is given as {@code eos_token}, or null. */
    public String eosToken() {
        return eosToken;
    }

    /**
     * The conversation as the model reads it.
     *
     * @param addGenerationPrompt whether to end with what opens the assistant's reply (the template's
     *                            {@code add_generation_prompt})
     * @throws IllegalArgumentException with one sentence if the template refuses the conversation
     *                                  (its {@code raise_exception}), cannot be rendered, or exceeds a limit
     */
    public String render(List<Message> messages, boolean addGenerationPrompt) {
        List<Object> turns = new ArrayList<>(messages.size());
        for (Message m : messages) {
            Map<String, Object> turn = new LinkedHashMap<>();
            turn.put("role", m.role());
            turn.put("content", m.content());
            turns.add(turn);
        }
        Map<String, Object> variables = new LinkedHashMap<>();
        variables.put("messages", turns);
        variables.put("add_generation_prompt", addGenerationPrompt);
        if (bosToken != null) variables.put("bos_token", bosToken);
        if (eosToken != null) variables.put("eos_token", eosToken);
        return environment.render(source, variables);
    }

    /** One user message followed by the generation prompt: what {@code generate --chat} sends. */
    public String renderUserPrompt(String prompt) {
        return render(List.of(Message.user(prompt)), true);
    }

    @Override
    public String toString() {
        return "ChatTemplate[" + source.length() + " characters]";
    }
}
