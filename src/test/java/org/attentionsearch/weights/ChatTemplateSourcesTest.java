package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.attentionsearch.model.Model;
import org.attentionsearch.testing.LlamaCpp;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.Vocabulary;
import org.attentionsearch.text.ChatTemplate;
import org.attentionsearch.text.ChatTemplateFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a model's chat template is read from (tokenizer_config.json, chat_template.jinja or .json,
 * GGUF metadata), what BOS and EOS it is given, and that an export keeps it.
 */
class ChatTemplateSourcesTest {

    @TempDir
    Path dir;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TEMPLATE = "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{% endfor %}{{ eos_token }}";

    /** A directory holding Llama 2's tokenizer.json (which adds {@code <s>}) and these files. */
    private Path directory(String name, Map<String, String> files) throws Exception {
        Path d = Files.createDirectories(dir.resolve(name));
        Files.write(d.resolve(ModelLoader.TOKENIZER), Vocabulary.LLAMA2.tokenizerJson());
        for (var f : files.entrySet()) Files.writeString(d.resolve(f.getKey()), f.getValue());
        return d;
    }

    private static Optional<ChatTemplate> template(Path path) {
        TokenizerSource source = ModelLoader.tokenizer(path);
        return source.chatTemplate(source.load());
    }

    private static String config(Map<String, Object> fields) throws Exception {
        return JSON.writeValueAsString(fields);
    }

    @Test
    void tokenizerConfigDeclaresTheTemplateAndItsTokens() throws Exception {
        Path d = directory("config", Map.of(ModelLoader.TOKENIZER_CONFIG,
                config(Map.of("chat_template", TEMPLATE, "bos_token", Map.of("content", "<s>"), "eos_token", "</s>"))));
        ChatTemplate t = template(d).orElseThrow();
        assertEquals(TEMPLATE, t.source());
        assertEquals("<s><user>Hi</s>", t.render(List.of(ChatTemplate.Message.user("Hi")), true));
    }

    /** Named templates: the one called "default" is the chat template (transformers' choice too). */
    @Test
    void aListOfNamedTemplatesGivesItsDefault() throws Exception {
        Path d = directory("named", Map.of(ModelLoader.TOKENIZER_CONFIG, config(Map.of("chat_template",
                List.of(Map.of("name", "tool_use", "template", "tools"), Map.of("name", "default", "template", TEMPLATE))))));
        assertEquals(TEMPLATE, template(d).orElseThrow().source());
    }

    /** A config that names no BOS or EOS leaves the tokenizer's; one that names none (null) gives none. */
    @Test
    void tokensTheConfigDoesNotNameAreTheTokenizers() throws Exception {
        Path unnamed = directory("unnamed", Map.of(ModelLoader.TOKENIZER_CONFIG, config(Map.of("chat_template", TEMPLATE))));
        ChatTemplate t = template(unnamed).orElseThrow();
        assertEquals("<s>", t.bosToken());
        assertEquals("</s>", t.eosToken());
        Path none = directory("none", Map.of(ModelLoader.TOKENIZER_CONFIG, "{\"chat_template\": \"x\", \"bos_token\": null}"));
        assertNull(template(none).orElseThrow().bosToken());
    }

    /** chat_template.jinja, else chat_template.json, over the config's, as transformers reads a directory. */
    @Test
    void aDirectorysOwnTemplateFileComesFirst() throws Exception {
        String config = config(Map.of("chat_template", "from the config"));
        Path jinja = directory("jinja", Map.of(ModelLoader.TOKENIZER_CONFIG, config, ChatTemplateFiles.JINJA_FILE, TEMPLATE,
                ChatTemplateFiles.JSON_FILE, config(Map.of("chat_template", "from the json"))));
        assertEquals(TEMPLATE, template(jinja).orElseThrow().source());
        Path json = directory("json", Map.of(ModelLoader.TOKENIZER_CONFIG, config, ChatTemplateFiles.JSON_FILE, config(Map.of("chat_template", TEMPLATE))));
        assertEquals(TEMPLATE, template(json).orElseThrow().source());
        Path alone = directory("alone", Map.of(ChatTemplateFiles.JINJA_FILE, TEMPLATE));
        assertEquals("<s><user>Hi</s>", template(alone).orElseThrow().render(List.of(ChatTemplate.Message.user("Hi")), true));
        assertTrue(template(directory("without", Map.of())).isEmpty());
    }

    @Test
    void malformedTemplatesNameTheirFile() throws Exception {
        Path number = directory("number", Map.of(ModelLoader.TOKENIZER_CONFIG, "{\"chat_template\": 5}"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> template(number));
        assertEquals(number.resolve(ModelLoader.TOKENIZER) + ": the tokenizer config's \"chat_template\" must be a string or a list of named templates.",
                e.getMessage());
        Path noDefault = directory("nodefault", Map.of(ModelLoader.TOKENIZER_CONFIG, config(Map.of("chat_template",
                List.of(Map.of("name", "tool_use", "template", "x"))))));
        assertTrue(assertThrows(ModelFormatException.class, () -> template(noDefault)).getMessage().contains("no template named \"default\""));
        Path badJson = directory("badjson", Map.of(ChatTemplateFiles.JSON_FILE, "{\"template\": \"x\"}"));
        assertTrue(assertThrows(ModelFormatException.class, () -> template(badJson)).getMessage().contains(ChatTemplateFiles.JSON_FILE));
        TokenizerSource gguf = new TokenizerSource.Gguf(Map.of(ChatTemplateFiles.GGUF_KEY, 5L), "model.gguf");
        assertEquals("model.gguf: the GGUF metadata's tokenizer.chat_template must be a string.",
                assertThrows(ModelFormatException.class, () -> gguf.chatTemplate(Vocabulary.LLAMA2.ours())).getMessage());
    }

    /**
     * A GGUF's tokenizer.chat_template, as llama.cpp reads it from the same file, with the BOS token
     * llama.cpp's vocabulary has.
     */
    @Test
    void ggufGivesTheTemplateLlamaCppReads() {
        Path gguf = SyntheticModels.vocabularyGguf(Vocabulary.LLAMA3);
        ChatTemplate t = template(gguf).orElseThrow();
        try (LlamaCpp.Model reference = LlamaCpp.loadVocabOnly(gguf)) {
            assertEquals(reference.metadata(ChatTemplateFiles.GGUF_KEY).orElseThrow(), t.source());
            assertEquals(LlamaCpp.piece(reference, reference.bos(), true), t.bosToken());
            assertEquals(LlamaCpp.piece(reference, reference.eos(), true), t.eosToken());
        }
        assertTrue(template(SyntheticModels.vocabularyGguf(Vocabulary.LLAMA2)).isEmpty(), "Llama 2's config has no template to convert");
    }

    /** A model loaded from a GGUF has its template; exported, its tokenizer_config.json keeps it, and it renders alike. */
    @Test
    void exportKeepsTheGgufTemplate() {
        var spec = new SyntheticModels.Spec(SyntheticModels.Architecture.LLAMA, Vocabulary.LLAMA3, GgmlType.F32, false,
                32, 1, 2, 1, 16, 64, 256, 31);
        Model gguf = Model.load(SyntheticModels.gguf(spec));
        ChatTemplate original = gguf.chatTemplate().orElseThrow();
        Path out = dir.resolve("exported");
        ModelLoader.export(gguf.checkpoint(), out);
        assertTrue(Files.isRegularFile(out.resolve(ModelLoader.TOKENIZER_CONFIG)));
        ChatTemplate back = Model.load(out).chatTemplate().orElseThrow();
        assertEquals(original.source(), back.source());
        assertEquals(original.bosToken(), back.bosToken());
        assertEquals(original.renderUserPrompt("Hello"), back.renderUserPrompt("Hello"));
    }

    /** A directory's chat_template.jinja goes into the exported tokenizer_config.json. */
    @Test
    void exportKeepsATemplateFile() throws Exception {
        Path original = dir.resolve("original");
        ModelLoader.export(RandomDecoders.checkpoint(RandomDecoders.llama(), 1), original);
        Files.writeString(original.resolve(ChatTemplateFiles.JINJA_FILE), TEMPLATE);
        Path out = dir.resolve("exported");
        ModelLoader.export(ModelLoader.load(original), out);
        assertTrue(Files.notExists(out.resolve(ChatTemplateFiles.JINJA_FILE)));
        String config = Files.readString(out.resolve(ModelLoader.TOKENIZER_CONFIG), StandardCharsets.UTF_8);
        assertEquals(TEMPLATE, JSON.readTree(config).get("chat_template").textValue());
        assertEquals(TEMPLATE, Model.load(out).chatTemplate().orElseThrow().source());
    }
}
