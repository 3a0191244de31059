package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import org.attentionsearch.text.ChatTemplate.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Templates that refuse a conversation, cannot be rendered, or are hostile: each is one
 * sentence in an IllegalArgumentException, quickly, with nothing read from files and no Java
 * method reached.
 */
class ChatTemplateSafetyTest {

    private static final List<Message> HELLO = List.of(Message.system("Be brief."), Message.user("Hello"));

    private static IllegalArgumentException refusal(String template) {
        return refusal(ChatTemplate.of(template, "<s>", "</s>"));
    }

    private static IllegalArgumentException refusal(ChatTemplate t) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.render(HELLO, true));
        String m = e.getMessage();
        assertFalse(m.contains("\n") || m.contains("\tat ") || m.contains("Exception"), "one sentence, no stack trace: " + m);
        assertTrue(m.startsWith("The chat template") && m.endsWith("."), m);
        return e;
    }

    /** raise_exception(message), as templates refuse roles they do not know, ends the render with the template's message. */
    @Test
    void raiseExceptionRefusesTheConversation() {
        String gemmaLike = "{% for m in messages %}{% if m['role'] == 'system' %}"
                + "{{ raise_exception('System role not supported') }}{% endif %}{{ m['content'] }}{% endfor %}";
        assertEquals("The chat template refused the conversation: System role not supported.", refusal(gemmaLike).getMessage());
        assertEquals("Hello", ChatTemplate.of(gemmaLike, null, null).render(List.of(Message.user("Hello")), true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"{% if %}x{% endif %}", "{{ messages[0].content( }}", "{{ 'x'.nosuchmethod() }}", "{{ messages|nosuchfilter }}",
            "{{ messages is nosuchtest }}", "{{ nosuchfunction() }}", "{% nosuchtag %}"})
    void templatesThatCannotBeRenderedSaySo(String template) {
        assertTrue(refusal(template).getMessage().startsWith("The chat template cannot be rendered"));
    }

    /** A billion iterations stop at the step limit, in seconds. */
    @Test
    void hugeLoopsStopAtTheStepLimit() {
        String loops = "{% for a in range(1000) %}{% for b in range(1000) %}{% for c in range(1000) %}x{% endfor %}{% endfor %}{% endfor %}";
        long start = System.nanoTime();
        assertEquals("The chat template did not finish within 1000000 steps.", refusal(loops).getMessage());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(30).toNanos(), "stopped quickly");
    }

    /** Loops with empty bodies render no node per pass; the time limit stops them. */
    @Test
    void emptyLoopsStopAtTheTimeLimit() {
        var limits = new JinjaEnvironment.Limits(1_000_000, 100_000, Long.MAX_VALUE, Duration.ofMillis(300));
        JinjaEnvironment environment = new JinjaEnvironment(limits, Clock.systemUTC());
        String loops = "{% for a in range(100000) %}{% for b in range(100000) %}{% for c in range(100000) %}{% endfor %}{% endfor %}{% endfor %}";
        long start = System.nanoTime();
        assertEquals("The chat template did not finish within 0.3 seconds.", refusal(ChatTemplate.of(loops, null, null, environment)).getMessage());
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "stopped quickly");
    }

    /** A macro calling itself stops at the recursion limit; one calling itself twice per call, at the time limit. */
    @Test
    void recursionStops() {
        assertEquals("The chat template cannot be rendered (line 1): Max recursion limit of 100 reached for macro 'f'.",
                refusal("{% macro f(n) %}{{ f(n) }}{% endmacro %}{{ f(1) }}").getMessage());
        var limits = new JinjaEnvironment.Limits(1_000_000, 100_000, Long.MAX_VALUE, Duration.ofMillis(500));
        ChatTemplate doubling = ChatTemplate.of("{% macro f(n) %}x{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}", null, null,
                new JinjaEnvironment(limits, Clock.systemUTC()));
        long start = System.nanoTime();
        refusal(doubling);
        assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "stopped quickly");
    }

    /** A string doubled 40 times, by {@code ~} or {@code +}, stops at the output limit; a list doubled, at the item limit. */
    @Test
    void doublingStopsAtTheSizeLimits() {
        for (String op : List.of("~", "+")) {
            String doubling = "{% set ns = namespace(s='x') %}{% for i in range(40) %}{% set ns.s = ns.s " + op + " ns.s %}{% endfor %}{{ ns.s }}";
            assertEquals("The chat template's output would exceed 8000000 characters.", refusal(doubling).getMessage());
        }
        String lists = "{% set ns = namespace(l=[1]) %}{% for i in range(40) %}{% set ns.l = ns.l + ns.l %}{% endfor %}{{ ns.l|length }}";
        assertTrue(refusal(lists).getMessage().contains("100000 items"), "lists stop at the item limit");
        var limits = new JinjaEnvironment.Limits(10_000, 100_000, 2_000_000, Duration.ofSeconds(10));
        ChatTemplate output = ChatTemplate.of("{% for i in range(100000) %}{{ messages|tojson }}{% endfor %}", null, null,
                new JinjaEnvironment(limits, Clock.systemUTC()));
        assertEquals("The chat template's output would exceed 10000 characters.", refusal(output).getMessage());
    }

    /** Including, importing or extending another template reads nothing: no file, no classpath resource. */
    @ParameterizedTest
    @ValueSource(strings = {"{% include '/etc/passwd' %}", "{% import '/etc/passwd' as p %}{{ p }}",
            "{% from '/etc/passwd' import x %}{{ x }}", "{% extends '/etc/passwd' %}",
            "{% include 'all-minilm-l6-v2-tokenizer.json' %}", "{{ '/etc/passwd'|render }}", "{{ 'a: b'|fromyaml }}"})
    void noTemplateOrFileIsRead(String template) {
        assertTrue(refusal(template).getMessage().contains("disabled"));
    }

    /** No Java method of the objects a template sees can be called, and the messages cannot be changed. */
    @ParameterizedTest
    @ValueSource(strings = {"{{ 'a'.repeat(100000000) }}", "{{ messages.getClass() }}", "{{ messages.clear() }}",
            "{{ messages.append(1) }}", "{{ messages[0].put('role', 'x') }}", "{{ 'a'.getClass().forName('java.lang.Runtime') }}"})
    void noJavaMethodIsReached(String template) {
        assertTrue(refusal(template).getMessage().contains("A chat template cannot call"));
    }

    @Test
    void javaGettersOfStringsAreUndefined() {
        assertEquals("||", ChatTemplate.of("{{ messages[0].content.bytes }}|{{ 'abc'.blank }}|{{ 'abc'.class }}", null, null).render(HELLO, true));
    }

    @Test
    void implausiblyLongSourcesAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ChatTemplate.of("x".repeat(ChatTemplate.MAX_SOURCE + 1), null, null));
        assertTrue(e.getMessage().startsWith("The chat template is "), e.getMessage());
    }
}
