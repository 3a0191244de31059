package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.weights.GgmlType;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line on decoders, from GGUF files and model directories, as a user meets it. */
class DecoderCliTest {

    private static final String TEXT = "The river bank flooded after the rain";

    private static String gguf() {
        return SyntheticModels.gguf(SyntheticModels.qwen2()).toString();
    }

    @Test
    void nextGivesTheTopTokensAfterEveryPositionAndTheLens() throws Exception {
        CliTest.Run r = CliTest.run("next", "--model", gguf(), "--json", "--top", "3", "--lens", TEXT);
        assertEquals(0, r.code(), r.err());
        JsonNode line = r.lines().getFirst();
        JsonNode tokens = line.get("tokens"), next = line.get("next");
        assertEquals(tokens.size(), next.size());
        for (int i = 0; i < next.size(); i++) {
            JsonNode p = next.get(i);
            assertEquals(i, p.get("position").asInt());
            assertEquals(3, p.get("predictions").size());
            double previous = 1;
            for (JsonNode pred : p.get("predictions")) {
                double prob = pred.get("probability").asDouble();
                assertTrue(prob > 0 && prob <= previous, pred.toString());
                previous = prob;
                assertTrue(pred.has("id") && pred.has("text") && pred.has("logit"));
                assertFalse(pred.get("text").asText().contains("\u0120"), "a prediction reads as text, not as a byte-level piece");
            }
            assertEquals(2, p.get("lens").size());
            assertEquals(p.get("predictions"), p.get("lens").get(1).get("predictions"), "the last layer's lens is the prediction");
        }
        CliTest.Run text = CliTest.run("next", "--model", gguf(), TEXT);
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("→") && text.out().contains("%"), text.out());
    }

    @Test
    void explainTokenizeAndEmbedWorkOnDecoders() throws Exception {
        CliTest.Run explain = CliTest.run("explain", "--model", gguf(), "--json", "--layer", "1", "--head", "2", "--math",
                "--token", "bank", TEXT);
        assertEquals(0, explain.code(), explain.err());
        JsonNode a = explain.lines().getFirst();
        assertTrue(a.get("causal").asBoolean());
        assertEquals(2, a.get("kvHeads").asInt());
        JsonNode page = a.get("pages").get(0);
        int query = page.get("query").asInt();
        assertEquals(query + 1, page.get("keys").asInt(), "a decoder's query i sees keys 0 … i");
        for (JsonNode result : page.get("results")) assertTrue(result.get("key").asInt() <= query, "no key after the query");
        assertEquals(1, a.get("math").get("kvHead").asInt(), "head 2 of 4 reads key/value head 1 of 2");

        CliTest.Run unseen = CliTest.run("explain", "--model", gguf(), "--token", "1", "--key", "4", "--math", "--layer", "1", "--head", "0", TEXT);
        assertEquals(2, unseen.code(), "a key after the query: " + unseen.err());
        assertTrue(unseen.err().contains("cannot see token 4"), unseen.err());
        for (JsonNode like : a.get("math").get("sight")) {
            for (JsonNode n : like.get("resembles")) assertTrue(n.get("position").asInt() <= query, "no later token in what a layer sees");
        }

        CliTest.Run overview = CliTest.run("--model", gguf(), TEXT);
        assertEquals(0, overview.code(), overview.err());
        assertTrue(overview.out().contains(" bank") && !overview.out().contains("\u0120"), "tokens shown as the text they cover: " + overview.out());

        CliTest.Run tokens = CliTest.run("tokenize", "--model", gguf(), "--json", TEXT);
        assertEquals(0, tokens.code(), tokens.err());
        JsonNode first = tokens.lines().getFirst().get("tokens").get(0);
        assertEquals("The", TEXT.substring(first.get("start").asInt(), first.get("end").asInt()));

        CliTest.Run embed = CliTest.run("embed", "--model", gguf(), "--json", "--tokens", TEXT);
        assertEquals(0, embed.code(), embed.err());
        JsonNode e = embed.lines().getFirst();
        JsonNode hidden = e.get("hidden");
        assertEquals(256, e.get("embedding").size());
        assertEquals(hidden.get(hidden.size() - 1), e.get("embedding"), "a decoder's embedding is its last token's final vector");
    }

    /** A GGUF exported as a model directory: F32 safetensors, config.json, tokenizer.json; the same logits back. */
    @Test
    void exportWritesAModelDirectoryWithTheSameLogits(@TempDir Path dir) throws Exception {
        for (SyntheticModels.Spec spec : List.of(SyntheticModels.llama().withRopeScaling(true), SyntheticModels.llama2(),
                SyntheticModels.gpt2(), SyntheticModels.qwen3().withWeights(GgmlType.Q8_0))) {
            Path out = dir.resolve(spec.fileName());
            CliTest.Run r = CliTest.run("export", "--model", SyntheticModels.gguf(spec).toString(), out.toString());
            assertEquals(0, r.code(), r.err());
            for (String file : List.of("config.json", "model.safetensors", "tokenizer.json")) assertTrue(Files.exists(out.resolve(file)), file);
            Model gguf = Model.load(ModelLoader.load(SyntheticModels.gguf(spec))), back = Model.load(ModelLoader.load(out));
            assertEquals(gguf.config(), back.config());
            var encoding = gguf.tokenizer().encode(TEXT);
            assertArrayEquals(encoding.ids(), back.tokenizer().encode(TEXT).ids(), spec.fileName() + ": the exported tokenizer.json tokenizes alike");
            String withControlNames = "end </s> here <|endoftext|> and <s> too";
            assertArrayEquals(gguf.tokenizer().encode(withControlNames).ids(), back.tokenizer().encode(withControlNames).ids(),
                    spec.fileName() + ": names llama.cpp treats as control tokens stay whole in the export");
            assertArrayEquals(gguf.forward(List.of(encoding), true).trace(0).get("logits").data(),
                    back.forward(List.of(encoding), true).trace(0).get("logits").data(), spec.fileName());
        }
    }

    /** Options before the command, a GGUF without its extension, a directory holding one GGUF: all as a user would try them. */
    @Test
    void modelsAndCommandsAreFoundWhereUsersPutThem(@TempDir Path dir) throws Exception {
        CliTest.Run before = CliTest.run("--model", gguf(), "next", "--json", TEXT);
        assertEquals(0, before.code(), before.err());
        assertTrue(before.lines().getFirst().has("next"), "the command after --model is the command: " + before.out());
        Path bare = dir.resolve("model-without-extension");
        Files.copy(Path.of(gguf()), bare);
        assertEquals(0, CliTest.run("tokenize", "--model", bare.toString(), TEXT).code());
        Path holder = dir.resolve("holder");
        Files.createDirectories(holder);
        Files.copy(Path.of(gguf()), holder.resolve("qwen.gguf"));
        CliTest.Run r = CliTest.run("next", "--model", holder.toString(), TEXT);
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void encoderOnlyAndDecoderOnlyCommandsRefuseTheOtherKind() {
        CliTest.Run r = CliTest.run("next", "The bank");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("encoder") && r.err().lines().count() == 1, r.err());
    }

    @Test
    void badGgufFilesAreExitThreeWithOneSentence(@TempDir Path dir) throws Exception {
        byte[] good = Files.readAllBytes(SyntheticModels.gguf(SyntheticModels.gpt2()));
        Path truncated = dir.resolve("cut.gguf");
        Files.write(truncated, java.util.Arrays.copyOf(good, good.length / 2));
        Path magic = dir.resolve("magic.gguf");
        byte[] bad = good.clone();
        bad[0] = 'X';
        Files.write(magic, bad);
        for (Path p : List.of(truncated, magic, dir.resolve("absent.gguf"))) {
            CliTest.Run r = CliTest.run("next", "--model", p.toString(), TEXT);
            assertEquals(3, r.code(), p + ": " + r.err());
            assertTrue(r.err().contains(p.getFileName().toString()) && r.err().lines().count() == 1, r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }
}
