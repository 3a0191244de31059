package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.testing.SyntheticModels;
import org.junit.jupiter.api.Test;

/** {@code generate} as a user meets it: streamed text, JSON with a page per token, and bad options refused. */
class GenerateCliTest {

    private static final String PROMPT = "The river bank";

    private static String gguf() {
        return SyntheticModels.gguf(SyntheticModels.qwen2()).toString();
    }

    @Test
    void jsonGivesEveryTokenWithItsPageThenASummary() throws Exception {
        CliTest.Run r = CliTest.run("generate", "--model", gguf(), "--json", "--max-tokens", "6", "--top", "3", PROMPT);
        assertEquals(0, r.code(), r.err());
        List<JsonNode> lines = r.lines();
        JsonNode summary = lines.getLast();
        assertEquals(PROMPT, summary.get("prompt").asText());
        int promptTokens = summary.get("promptTokens").asInt();
        StringBuilder text = new StringBuilder();
        for (int s = 0; s < lines.size() - 1; s++) {
            JsonNode step = lines.get(s);
            assertEquals(s, step.get("step").asInt());
            int position = promptTokens + s;
            assertEquals(position, step.get("position").asInt());
            assertEquals(summary.get("ids").get(s).asInt(), step.get("id").asInt());
            double p = step.get("probability").asDouble();
            assertTrue(p > 0 && p <= 1);
            assertEquals(5, step.get("alternatives").size());
            if (summary.get("stop").asText().equals("max-tokens")) {
                assertEquals(step.get("id").asInt(), step.get("alternatives").get(0).get("id").asInt(), "greedy takes the likeliest");
            }
            JsonNode page = step.get("page");
            assertEquals(position, page.get("query").asInt());
            assertEquals(position + 1, page.get("keys").asInt(), "a new token sees every token before it and itself");
            assertEquals("value", page.get("head").asText());
            assertEquals(3, page.get("results").size());
            text.append(step.get("text").asText());
        }
        assertEquals(summary.get("text").asText(), text.toString());
        assertTrue(List.of("eos", "max-tokens").contains(summary.get("stop").asText()));
        assertTrue(summary.has("tokensPerSecond") && summary.has("promptTokensPerSecond") && summary.has("seed"));
    }

    @Test
    void textStreamsAndGreedyRepeats() throws Exception {
        CliTest.Run a = CliTest.run("generate", "--model", gguf(), "--max-tokens", "8", PROMPT);
        CliTest.Run b = CliTest.run("generate", "--model", gguf(), "--max-tokens", "8", "--json", PROMPT);
        assertEquals(0, a.code(), a.err());
        assertEquals(b.lines().getLast().get("text").asText() + "\n", a.out());
        assertTrue(a.err().contains("tokens/s"), a.err());

        CliTest.Run s1 = CliTest.run("generate", "--model", gguf(), "--json", "--temperature", "0.9", "--top-k", "40",
                "--top-p", "0.95", "--seed", "11", "--max-tokens", "8", PROMPT);
        CliTest.Run s2 = CliTest.run("generate", "--model", gguf(), "--json", "--temperature", "0.9", "--top-k", "40",
                "--top-p", "0.95", "--seed", "11", "--max-tokens", "8", PROMPT);
        assertEquals(s1.lines().getLast().get("ids"), s2.lines().getLast().get("ids"), "a seed repeats the sampling");
        assertEquals(11, s1.lines().getLast().get("seed").asLong());
    }

    @Test
    void aHeadsPageOnRequest() throws Exception {
        CliTest.Run r = CliTest.run("generate", "--model", gguf(), "--json", "--max-tokens", "2", "--layer", "0", "--head", "3", PROMPT);
        assertEquals(0, r.code(), r.err());
        JsonNode page = r.lines().getFirst().get("page");
        assertEquals(0, page.get("layer").asInt());
        assertEquals(3, page.get("head").asInt());
        assertTrue(page.get("results").get(0).has("score"));
    }

    @Test
    void pagesWithoutSinksAreRenormalised() throws Exception {
        CliTest.Run r = CliTest.run("generate", "--model", gguf(), "--json", "--max-tokens", "4", "--without-sinks", "--top", "3", PROMPT);
        assertEquals(0, r.code(), r.err());
        for (JsonNode step : r.lines().subList(0, r.lines().size() - 1)) {
            JsonNode page = step.get("page");
            assertTrue(page.has("sinksLeftOut"), page.toString());
            assertTrue(page.get("results").size() <= 3);
            for (JsonNode result : page.get("results")) assertFalse(result.get("sink").asBoolean(), "a sink left out is not shown");
        }
    }

    /** --chat: the prompt as one user message in the model's own template, its BOS written by the template alone. */
    @Test
    void chatWrapsThePromptInTheModelsTemplate() throws Exception {
        java.nio.file.Path dir = SyntheticModels.huggingFace(SyntheticModels.llama());
        CliTest.Run r = CliTest.run("generate", "--model", dir.toString(), "--chat", "--json", "--max-tokens", "2", "Where is the bank?");
        assertEquals(0, r.code(), r.err());
        JsonNode summary = r.lines().getLast();
        String prompt = summary.get("prompt").asText();
        assertTrue(prompt.startsWith("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWhere is the bank?<|eot_id|>")
                && prompt.endsWith("<|start_header_id|>assistant<|end_header_id|>\n\n"), prompt);
        org.attentionsearch.model.Model model = org.attentionsearch.model.Model.load(dir);
        int[] ids = model.tokenizer().encode(prompt, false).ids();
        assertEquals(ids.length, summary.get("promptTokens").asInt());
        assertEquals(1, java.util.Arrays.stream(ids).filter(id -> id == model.tokenizer().bos().getAsInt()).count(), "one BOS");

        CliTest.Run none = CliTest.run("generate", "--model", SyntheticModels.gguf(SyntheticModels.gpt2()).toString(), "--chat", PROMPT);
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("no chat template"), none.err());
    }

    /** A half-precision cache writes the same kind of output, says so, and (on this small model) chooses the same greedy tokens. */
    @Test
    void aHalfPrecisionCacheOnRequest() throws Exception {
        CliTest.Run f32 = CliTest.run("generate", "--model", gguf(), "--json", "--max-tokens", "6", PROMPT);
        CliTest.Run f16 = CliTest.run("generate", "--model", gguf(), "--json", "--max-tokens", "6", "--kv-cache", "f16", PROMPT);
        assertEquals(0, f16.code(), f16.err());
        assertEquals("f32", f32.lines().getLast().get("kvCache").asText());
        assertEquals("f16", f16.lines().getLast().get("kvCache").asText());
        assertEquals(f32.lines().getLast().get("ids"), f16.lines().getLast().get("ids"));
        JsonNode a = f32.lines().get(3).get("page"), b = f16.lines().get(3).get("page");
        assertEquals(a.get("keys"), b.get("keys"));
        assertEquals(a.get("results").get(0).get("key"), b.get("results").get(0).get("key"));
    }

    @Test
    void badInputIsOneSentenceAndExitTwo() throws Exception {
        String model = gguf();
        String longPrompt = "word ".repeat(40_000);
        for (String[] args : new String[][] {
                {"--max-tokens", "0", PROMPT}, {"--temperature", "-1", PROMPT}, {"--top-p", "2", PROMPT}, {"--top-k", "-1", PROMPT},
                {""}, {}, {"two", "prompts"}, {longPrompt}, {"--head", "1", PROMPT}, {"--json", "--layer", "9", PROMPT}, {"--without-sinks", PROMPT},
                {"--kv-cache", "f8", PROMPT}}) {
            String[] full = new String[args.length + 3];
            full[0] = "generate";
            full[1] = "--model";
            full[2] = model;
            System.arraycopy(args, 0, full, 3, args.length);
            CliTest.Run r = CliTest.run(full);
            String shown = String.join(" ", args);
            shown = shown.length() > 60 ? shown.substring(0, 60) + "…" : shown;
            assertEquals(2, r.code(), shown + ": " + r.err());
            assertTrue(r.err().startsWith("error: ") && r.err().strip().lines().count() == 1, shown + ": " + r.err());
            assertFalse(r.err().contains("Exception"), r.err());
            assertTrue(r.out().isEmpty(), "nothing is written: " + shown);
        }
        CliTest.Run encoder = CliTest.run("generate", PROMPT);
        assertEquals(2, encoder.code(), encoder.err());
        assertTrue(encoder.err().contains("encoder"), encoder.err());
    }
}
