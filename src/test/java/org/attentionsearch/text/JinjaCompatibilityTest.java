package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.stream.Stream;

import org.attentionsearch.text.ChatTemplate.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Jinja2 and Python idioms chat templates use, rendered as Jinja2 renders them. The expected
 * texts are Jinja2 3.1.6's, in the environment transformers sets up (sandboxed, trim_blocks and
 * lstrip_blocks, loop controls, its tojson and raise_exception, strftime_now at 2024-07-26 09:05),
 * for the messages user " Hi " and assistant "Yo", bos_token "&lt;s&gt;", eos_token "&lt;/s&gt;" and
 * add_generation_prompt true.
 * <p>Where Jinjava cannot follow: it has one null for Python's None and Jinja2's undefined, so
 * {@code tools is none} holds for an undefined {@code tools} (Jinja2: false) and None prints as
 * nothing (Jinja2: "None"); and its template scanner ends {@code {{ … }}} at the first {@code }}}, so
 * a nested dict literal closed by two braces inside one fails (in a {@code {% set %}} it is fine).
 */
class JinjaCompatibilityTest {

    private static final Clock JULY_26 = Clock.fixed(LocalDateTime.of(2024, 7, 26, 9, 5).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
    private static final JinjaEnvironment ENVIRONMENT = new JinjaEnvironment(JinjaEnvironment.Limits.DEFAULT, JULY_26);
    private static final List<Message> MESSAGES = List.of(Message.user(" Hi "), Message.assistant("Yo"));

    static Stream<Arguments> jinja2() {
        return Stream.of(
            Arguments.of("{{ ' a b '.strip() }}|{{ 'xxaxx'.strip('x') }}|{{ '\\n\\na\\n'.lstrip('\\n') }}|{{ 'a\\n\\n'.rstrip() }}|{{ '\\u00a0a\\u00a0'.strip() }}",
                    "a b|a|a\n|a|a"),
            Arguments.of("{{ 'abc'.startswith('a') }}|{{ 'abc'.endswith(('x', 'c')) }}|{{ 'abc'.startswith('b') }}",
                    "True|True|False"),
            Arguments.of("{{ 'a b  c'.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }}|{{ '  a  b '.split(None, 1) }}",
                    "['a', 'b', 'c']|['a', 'b', '', 'c']|['a', 'b,c']|['a,b', 'c']|['a', 'b ']"),
            Arguments.of("{{ 'x</think>y'.split('</think>')[-1] }}|{{ 'ab'.split('</think>')[0] }}",
                    "y|ab"),
            Arguments.of("{{ 'hello world'.title() }}|{{ 'hELLO'.capitalize() }}|{{ 'Ab'.upper() }}{{ 'Ab'.lower() }}|{{ 'aaa'.replace('a', 'b', 2) }}|{{ 'abcabc'.find('c') }}|{{ 'abcabc'.count('bc') }}",
                    "Hello World|Hello|ABab|bba|2|2"),
            Arguments.of("{{ ', '.join(['a', 'b']) }}|{{ 'line1\\nline2\\r\\nline3\\n'.splitlines() }}",
                    "a, b|['line1', 'line2', 'line3']"),
            Arguments.of("{{ 'th' in 'think' }}|{{ 'x' not in 'think' }}|{{ 2 in [1, 2] }}",
                    "True|True|True"),
            Arguments.of("{{ [1,2,3,4,5][1:] }}|{{ [1,2,3,4,5][:-1] }}|{{ [1,2,3,4,5][::-1] }}|{{ [1,2,3,4,5][::2] }}|{{ [1,2,3,4,5][-2:] }}|{{ [1,2,3,4,5][1:4:2] }}|{{ [1,2,3,4,5][-1::-2] }}|{{ 'hello'[1:3] }}|{{ 'hello'[::-1] }}",
                    "[2, 3, 4, 5]|[1, 2, 3, 4]|[5, 4, 3, 2, 1]|[1, 3, 5]|[4, 5]|[2, 4]|[5, 3, 1]|el|olleh"),
            Arguments.of("{% set ns = namespace(found=false, n=0) %}{% for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}{% set ns.n = ns.n + 1 %}{% endif %}{% endfor %}{{ ns.found }} {{ ns.n }}",
                    "True 1"),
            Arguments.of("{% set ns = namespace(last=messages|length - 1) %}{{ ns.last }}",
                    "1"),
            Arguments.of("{% for m in messages %}{{ loop.index }}{{ loop.index0 }}{{ loop.first }}{{ loop.last }}{{ loop.length }}{{ loop.revindex }};{% endfor %}",
                    "10TrueFalse22;21FalseTrue21;"),
            Arguments.of("{{ messages|tojson }}|{{ {'a': [1, 2.5, '\u00e9\"\\n\\t'], 'b': none, 'c': true} | tojson }}",
                    "[{\"role\": \"user\", \"content\": \" Hi \"}, {\"role\": \"assistant\", \"content\": \"Yo\"}]|{\"a\": [1, 2.5, \"\u00e9\\\"\\n\\t\"], \"b\": null, \"c\": true}"),
            Arguments.of("{{ {'a': [1, {'b': 2}], 'c': []} | tojson(indent=2) }}",
                    "{\n  \"a\": [\n    1,\n    {\n      \"b\": 2\n    }\n  ],\n  \"c\": []\n}"),
            Arguments.of("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}|{{ 1.0|tojson }}|{{ 0.00001|tojson }}|{{ 1e20|tojson }}|{{ 123456789.125|tojson }}|{{ '\u00fc'|tojson(ensure_ascii=true) }}",
                    "{\"a\": 2, \"b\": 1}|1.0|1e-05|1e+20|123456789.125|\"\\u00fc\""),
            Arguments.of("  {% if true %}\n  yes\n  {% endif %}\nend\n",
                    "  yes\nend"),
            Arguments.of("a  {{- ' b ' -}}  c|x {#- c -#}  d|\n{%- if true -%}\n  T  \n{%- endif -%}\n|",
                    "a b c|xd|T|"),
            Arguments.of("{% for i in range(5) %}{% if i == 3 %}{% break %}{% endif %}{% if i == 1 %}{% continue %}{% endif %}{{ i }}{% endfor %}",
                    "02"),
            Arguments.of("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}={{ v }},{% endfor %}|{% for k, v in {'a': 1}|items %}{{ k }}{{ v }}{% endfor %}|{{ {'a': 1}.get('a') }}{{ {'a': 1}.get('z', 'dflt') }}|{% for k in {'x': 1, 'y': 2} %}{{ k }}{% endfor %}",
                    "a=1,b=2,|a1|1dflt|xy"),
            Arguments.of("{{ messages|selectattr('role', 'equalto', 'user')|list|length }}|{{ messages|map(attribute='content')|join(', ') }}|{{ messages|rejectattr('role', 'eq', 'user')|list|length }}",
                    "1| Hi , Yo|1"),
            Arguments.of("{{ x|default('dflt') }}|{{ 3|string }}{{ '7'|int + 1 }}|{{ [3,1,2]|sort }}|{{ [1,2,2]|unique|list }}|{{ [1,2]|reverse|list }}|{{ 'ab'|upper }}",
                    "dflt|38|[1, 2, 3]|[1, 2]|[2, 1]|AB"),
            Arguments.of("{{ 10 // 3 }} {{ 2 ** 3 }} {{ 7 / 2 }} {{ 7 % 3 }} {{ 'x' if true else 'y' }} {{ messages[0].role == 'user' and not false }}",
                    "3 8 3.5 1 x True"),
            Arguments.of("{% set content = '<|start_header_id|>' + messages[0]['role'] + '<|end_header_id|>\\n\\n'+ messages[0]['content'] | trim + '<|eot_id|>' %}{{ content }}",
                    "<|start_header_id|>user<|end_header_id|>\n\nHi<|eot_id|>"),
            Arguments.of("{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d %H:%M') }}|{{ strftime_now('%A %B %-d') }}",
                    "26 Jul 2024|2024-07-26 09:05|Friday July 26"),
            Arguments.of("{% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('a') }} {{ greet('b', '?') }}",
                    "Hi a! Hi b?"),
            Arguments.of("{% if messages[0]['role'] == 'system' %}{% set sys = messages[0]['content'] %}{% set rest = messages[1:] %}{% else %}{% set sys = '' %}{% set rest = messages %}{% endif %}[{{ sys }}]{% for m in rest %}{{ m.content }}{% endfor %}",
                    "[] Hi Yo"),
            Arguments.of("{%- for message in messages %}\n    {%- if message.role == 'user' %}\n        {{- '<|user|>\\n' + message.content }}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|assistant|>\\n' }}\n{%- endif %}\n",
                    "<|user|>\n Hi <|assistant|>\n"),
            Arguments.of("{{ bos_token }}{% for m in messages %}{{ '[INST] ' + m['content'].strip() + ' [/INST]' if m['role'] == 'user' else ' ' + m['content'].strip() + ' ' + eos_token }}{% endfor %}",
                    "<s>[INST] Hi [/INST] Yo </s>"),
            Arguments.of("{{ (messages|length) > 1 }}|{{ messages|length is even }}|{{ 3 is divisibleby 3 }}|{{ [1, 2][0] == 1 }}",
                    "True|True|True|True"),
            Arguments.of("{{ '%s' }}|{{ 'a\\'b' }}|{{ \"q\\\"q\" }}|{{ 'tab\\there' }}",
                    "%s|a'b|q\"q|tab\there"),
            Arguments.of("{% for item in [1,2,3,4] if item > 1 %}{{ item }}{{ loop.index }}{{ loop.last }};{% endfor %}|{% for k, v in {'a': 1, 'b': none, 'c': 3}.items() if v is not none %}{{ k }}={{ v }},{% endfor %}",
                    "21False;32False;43True;|a=1,c=3,"),
            Arguments.of("{% for m in messages %}[{{ loop.previtem.role if loop.previtem }}<{{ m.role }}>{{ loop.nextitem.role if loop.nextitem }}]{% endfor %}",
                    "[<user>assistant][user<assistant>]"),
            Arguments.of("{{ [3, 1, 2]|min }}{{ [3, 1, 2]|max }}{{ ['b', 'A', 'c']|min }}{{ messages|max(attribute='role')|tojson }}",
                    "13A{\"role\": \"user\", \"content\": \" Hi \"}"),
            Arguments.of("{{ 'abc' is iterable }}{{ {'a': 1} is iterable }}{{ 5 is iterable }}{{ 'abc' is sequence }}{{ none is iterable }}",
                    "TrueTrueFalseTrueFalse"),
            Arguments.of("{% macro depth(n) %}{% if n > 0 %}({{ depth(n - 1) }}){% endif %}{% endmacro %}{{ depth(5) }}",
                    "((((()))))"),
            Arguments.of("{{ '<{}|{}>'.format('a', 1) }} {{ '{0}{0}{{x}}'.format(true) }} {{ '{n}!'.format(n=2.5) }} {{ '{}'.format([1, 'a', none]) }}",
                    "<a|1> TrueTrue{x} 2.5! [1, 'a', None]"),
            Arguments.of("{% set t = -1 %}{{ not t == -1 }}|{{ not t == 0 and true }}|{{ not 'a' in 'abc' }}|{% set x = 3 %}{{ x+1 }}|{{ [1, 2, 3][:x-1] }}",
                    "False|True|False|4|[1, 2]"),
            Arguments.of("{{ strftime_now is defined }}|{{ raise_exception is defined }}|{{ range is defined }}",
                    "True|True|True"),
            Arguments.of("{{ '\"'|safe + '<b>' }}|{{ '<i>' + 'x'|safe }}|{{ 'a' ~ {'k': true, 'n': none} ~ [1.5, 'q'] }}|{{ {'k': false}|string }}|{{ {'a': [1, none]} }}|{{ 0.00001 }}|{{ 1e20 }}",
                    "\"&lt;b&gt;|&lt;i&gt;x|a{'k': True, 'n': None}[1.5, 'q']|{'k': False}|{'a': [1, None]}|1e-05|1e+20"),
            Arguments.of("{%- macro f() -%}\n{# c #}\n    {\n    }\n{%- endmacro -%}[\n{{ f() }}]|{{ 'x' }}\n\n    {# note #}\n    {%- if true %}\n    Y\n{%- endif %}",
                    "[\n    {\n    }]|x\n\n    Y"),
            Arguments.of("{{ 'a\nb\n\nc'|indent(2) }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent('> ', blank=true) }}|{{ ''|indent(first=true) }}",
                    "a\n  b\n\n  c|  a\n  b|a\n> \n> b|    "),
            Arguments.of("{% raw %}{# not a comment #}{{ x }}{% endraw %}|{{ '{# in a string #}' }}|{% set d = {'a': {'b': '#}'} } %}{{ d['a']['b'] }}",
                    "{# not a comment #}{{ x }}|{# in a string #}|#}"));
    }

    @ParameterizedTest
    @MethodSource("jinja2")
    void rendersAsJinja2(String template, String jinja2) {
        assertEquals(jinja2, ChatTemplate.of(template, "<s>", "</s>", ENVIRONMENT).render(MESSAGES, true));
    }

    /** Messages are data: a message holding template syntax is written as it is, never run. */
    @Test
    void messagesAreNeverRenderedAsTemplates() {
        String content = "{{ raise_exception('no') }}{% for i in range(3) %}x{% endfor %}";
        ChatTemplate t = ChatTemplate.of("{% for m in messages %}[{{ m.content }}]{% endfor %}", null, null, ENVIRONMENT);
        assertEquals("[" + content + "]", t.render(List.of(Message.user(content)), false));
    }

    /** Jinja2 reads every line end of the source as a newline and drops one newline at its very end. */
    @Test
    void lineEndsAsJinja2ReadsThem() {
        ChatTemplate t = ChatTemplate.of("a\r\nb\rc{{ '\\r' }}\n\n", null, null, ENVIRONMENT);
        assertEquals("a\nb\nc\r\n", t.render(MESSAGES, false));
    }
}
