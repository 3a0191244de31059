package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Sampler;
import org.attentionsearch.search.Generation;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /api/generate}: Server-Sent Events that a client can parse, the tokens and pages
 * of the library's own generation, the refusals of /api/analyze, and a generation that stops
 * when its client goes.
 */
class GenerateApiTest {

    static final String PROMPT = "The river bank flooded after the";
    private static Model decoder;
    private static WebServer server;
    private static Http http;

    @BeforeAll
    static void start() {
        decoder = Model.load(SyntheticModels.gguf(SyntheticModels.gpt2()));
        server = WebServer.start(ServedModel.named(List.of("gpt2.gguf", "all-MiniLM-L6-v2"),
                List.of(decoder, TestModels.MINILM.model())), "127.0.0.1", 0, WebServer.Limits.defaults());
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        assertEquals(0, server.internalErrors());
        server.close();
    }

    /** One Server-Sent Event: its name and its data, parsed. */
    record Event(String name, JsonNode data) {
    }

    /** Parses a whole event stream strictly: "event:" and "data:" lines, events ended by a blank line. */
    static List<Event> events(String stream) throws IOException {
        List<Event> out = new ArrayList<>();
        assertTrue(stream.endsWith("\n\n"), "the stream ends with a whole event");
        for (String block : stream.substring(0, stream.length() - 2).split("\n\n", -1)) {
            String[] lines = block.split("\n", -1);
            assertEquals(2, lines.length, "an event is one event line and one data line: " + block);
            assertTrue(lines[0].startsWith("event: ") && lines[1].startsWith("data: "), block);
            out.add(new Event(lines[0].substring(7), Http.JSON.readTree(lines[1].substring(6))));
        }
        return out;
    }

    @Test
    void streamsThePromptEveryTokenWithItsPageAndTheEnd() throws IOException {
        Http.Answer a = http.post("/api/generate", "{\"model\": \"gpt2.gguf\", \"prompt\": " + WebServerTest.quote(PROMPT)
                + ", \"maxTokens\": 6, \"layer\": 1, \"head\": 2, \"top\": 4}");
        assertEquals(200, a.status(), a.body());
        assertTrue(a.header("Content-Type").startsWith("text/event-stream"), a.header("Content-Type"));
        List<Event> events = events(a.body());
        assertEquals("prompt", events.getFirst().name());
        assertEquals("done", events.getLast().name());
        JsonNode prompt = events.getFirst().data();
        int n = prompt.get("tokens").size();
        assertEquals(PROMPT, prompt.get("prompt").asText());

        // The same generation in the library, greedy: the same tokens, texts and pages.
        Generation g = Generation.of(decoder, PROMPT, new Generation.Settings(6, Sampler.Settings.greedy(), null,
                new View.Head(1, 2), 4, 5));
        List<Generation.Step> steps = g.stream().toList();
        assertEquals(steps.size() + 2, events.size());
        StringBuilder text = new StringBuilder(PROMPT);
        for (int s = 0; s < steps.size(); s++) {
            Event e = events.get(s + 1);
            assertEquals("token", e.name());
            JsonNode t = e.data();
            Generation.Step step = steps.get(s);
            assertEquals(s, t.get("step").asInt());
            assertEquals(n + s, t.get("position").asInt());
            assertEquals(step.id(), t.get("id").asInt());
            assertEquals(step.text(), t.get("text").asText());
            assertEquals(step.probability(), t.get("probability").asDouble(), 1e-12);
            assertEquals(5, t.get("alternatives").size());
            // Its span indexes the prompt followed by the text written so far.
            assertEquals(text.length(), t.get("start").asInt());
            text.append(t.get("text").asText());
            assertEquals(text.length(), t.get("end").asInt());
            JsonNode page = t.get("page");
            assertEquals(n + s, page.get("query").asInt());
            assertEquals(n + s + 1, page.get("keys").asInt(), "a generated token sees the prompt and what came before it");
            assertEquals(4, page.get("results").size());
            for (int r = 0; r < 4; r++) {
                var expected = step.page().results().get(r);
                JsonNode got = page.get("results").get(r);
                assertEquals(expected.key().position(), got.get("key").asInt());
                assertEquals(expected.weight(), got.get("weight").asDouble(), 1e-7);
                assertEquals(expected.sink(), got.get("sink").asBoolean());
            }
        }
        JsonNode done = events.getLast().data();
        assertEquals("max-tokens", done.get("stop").asText());
        assertEquals(6, done.get("tokens").asInt());
        assertEquals(g.text(), done.get("text").asText());
    }

    @Test
    void aLongContinuationWithOneHeadsPagesRunsToItsEnd() throws IOException {
        // Each step's page grows the head's value norms by one key; they once doubled at every step.
        Http.Answer a = http.post("/api/generate", "{\"model\": \"gpt2.gguf\", \"prompt\": " + WebServerTest.quote(PROMPT)
                + ", \"maxTokens\": 80, \"layer\": 0, \"head\": 1, \"top\": 1}");
        assertEquals(200, a.status(), a.body());
        List<Event> events = events(a.body());
        assertEquals(82, events.size());
        assertEquals("max-tokens", events.getLast().data().get("stop").asText());
    }

    @Test
    void refusesWhatAnalyzeRefuses() {
        String ok = "\"prompt\": \"The river\"";
        record Case(int status, String body, String says) {
        }
        for (Case c : List.of(
                new Case(400, "{", "malformed JSON"),
                new Case(400, "{}", "\"prompt\" is required"),
                new Case(400, "{" + ok + ", \"temprature\": 1}", "unknown field"),
                new Case(400, "{" + ok + ", \"temperature\": -1}", "\"temperature\""),
                new Case(400, "{" + ok + ", \"topP\": 0}", "\"topP\""),
                new Case(400, "{" + ok + ", \"maxTokens\": 0}", "\"maxTokens\""),
                new Case(400, "{" + ok + ", \"head\": \"rollout\"}", "rollout"),
                new Case(400, "{" + ok + ", \"model\": \"nope\"}", "no model"),
                new Case(400, "{" + ok + ", \"model\": \"all-minilm-l6-v2\"}", "encoder"),
                new Case(413, "{\"prompt\": \"" + "a".repeat(AnalyzeRequest.MAX_TEXT_CHARS + 1) + "\"}", "limit"),
                new Case(413, "{\"prompt\": \"" + "a".repeat(300 * 1024) + "\"}", "larger than"),
                new Case(413, "{\"prompt\": \"" + "bank ".repeat(600) + "\"}", "no room"))) {
            Http.Answer a = http.post("/api/generate", c.body());
            assertEquals(c.status(), a.status(), c.body().length() > 80 ? c.body().substring(0, 80) : c.body());
            assertTrue(a.header("Content-Type").startsWith("application/json"), a.body());
            assertTrue(a.json().get("error").asText().contains(c.says()), a.body());
        }
        Http.Answer plain = http.post("/api/generate", "text/plain", java.net.http.HttpRequest.BodyPublishers.ofString("{" + ok + "}"));
        assertEquals(415, plain.status());
    }

    @Test
    void aBusyServerSays503AndAGenerationStopsWhenItsClientGoes() throws Exception {
        // One turn and no queue: while a generation holds the turn, everything else meets a 503.
        try (WebServer one = WebServer.start(decoder, "gpt2.gguf", "127.0.0.1", 0,
                new WebServer.Limits(256 * 1024, 1, 0, 100, 4, 1L << 28))) {
            Http client = new Http(one.port());
            long before = one.tokensGenerated();
            String body = "{\"prompt\": " + WebServerTest.quote(PROMPT) + ", \"maxTokens\": 1024, \"temperature\": 1, \"seed\": 7}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            long start = System.nanoTime();
            try (Socket s = new Socket("127.0.0.1", one.port())) {
                s.setSoTimeout(20_000);
                OutputStream out = s.getOutputStream();
                out.write(("POST /api/generate HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "Content-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                out.write(bytes);
                out.flush();
                InputStream in = s.getInputStream();
                StringBuilder seen = new StringBuilder();
                byte[] buffer = new byte[4096];
                while (count(seen, "event: token") < 3) {
                    int r = in.read(buffer);
                    assertTrue(r > 0, "the stream ended early: " + seen);
                    seen.append(new String(buffer, 0, r, StandardCharsets.UTF_8));
                }
                assertTrue(seen.toString().startsWith("HTTP/1.1 200"), seen.substring(0, 40));
                System.out.printf("three tokens after %.0f ms%n", (System.nanoTime() - start) / 1e6);
                assertEquals(1, one.runningGenerations());
                Http.Answer busy = client.post("/api/generate", body);
                assertEquals(503, busy.status(), busy.body());
                assertEquals("1", busy.header("Retry-After"));
                assertEquals(503, client.post("/api/analyze", "{\"text\": \"The river\"}").status());
            } // the client goes
            long t0 = System.nanoTime();
            while (one.runningGenerations() > 0 && System.nanoTime() - t0 < 10_000_000_000L) Thread.sleep(5);
            assertEquals(0, one.runningGenerations(), "the generation stopped");
            System.out.printf("cancelled generation stopped %.0f ms after its client went, %d tokens written%n",
                    (System.nanoTime() - t0) / 1e6, one.tokensGenerated() - before);
            long written = one.tokensGenerated() - before;
            assertTrue(written < 100, "it stopped soon after the client went, not at the context's end: " + written + " tokens");
            assertEquals(200, client.post("/api/analyze", "{\"text\": \"The river\"}").status(), "the turn is free again");
            assertEquals(0, one.internalErrors());
        }
    }

    private static int count(CharSequence s, String what) {
        int c = 0;
        for (int i = s.toString().indexOf(what); i >= 0; i = s.toString().indexOf(what, i + 1)) c++;
        return c;
    }
}
