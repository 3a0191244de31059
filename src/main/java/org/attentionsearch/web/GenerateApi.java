package org.attentionsearch.web;

import java.io.IOException;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Generation;
import org.attentionsearch.search.SearchJson;
import org.attentionsearch.search.TokenRef;
import org.attentionsearch.text.Encoding;

/**
 * {@code POST /api/generate}: a decoder continues a prompt and the answer streams as
 * Server-Sent Events, one event per token as soon as it is written, each with its results
 * page from the key/value cache. Checked like /api/analyze (400 for a bad body, 413 for a
 * prompt too long, 503 when busy) before the stream starts; a generation holds one of the
 * analyses' turns while it runs, and stops at the first event the client no longer reads.
 * <pre>
 *   event: prompt   {"model", "prompt", "tokens": [...], "layer", "head", "promptMillis"}
 *   event: token    {"step", "position", "id", "token", "text", "start", "end", "probability", "alternatives", "page"}
 *   event: done     {"stop", "tokens", "text", "tokensPerSecond"}
 *   event: error    {"error"}   (only after the stream has begun)
 * </pre>
 */
final class GenerateApi {

    /** Where the events go; {@link #open} commits the answer (status 200, text/event-stream). */
    interface EventStream {
        void open() throws IOException;

        /** Sends one event at once; an IOException means the client has gone. */
        void send(String event, byte[] json) throws IOException;
    }

    private static final int ALTERNATIVES = 5;

    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong tokens = new AtomicLong();

    /** Generations running now. */
    int running() {
        return running.get();
    }

    /** Tokens generated since the start, over all requests. */
    long tokensGenerated() {
        return tokens.get();
    }

    void generate(AnalyzeApi api, JsonNode body, EventStream events) {
        Model model = api.model();
        if (!model.decoder()) {
            throw ApiException.badRequest(api.modelName() + " is an encoder: it does not write text; choose a decoder");
        }
        GenerateRequest r = GenerateRequest.parse(body, model.config());
        Encoding prompt = model.tokenizer().encode(r.prompt());
        int max = model.config().maxPositions();
        if (prompt.length() >= max) {
            throw ApiException.tooLarge("the prompt has " + prompt.length() + " tokens, but the model reads at most " + max
                    + ", which leaves no room to write");
        }
        Generation.Settings settings = new Generation.Settings(r.maxTokens(), r.sampling(), null, r.view(), r.top(), ALTERNATIVES);
        api.admission().run(() -> {
            running.incrementAndGet();
            try {
                stream(api, Generation.of(model, r.prompt(), prompt, settings), r, events);
            } finally {
                running.decrementAndGet();
            }
            return null;
        });
    }

    private void stream(AnalyzeApi api, Generation generation, GenerateRequest r, EventStream events) {
        Iterator<Generation.Step> steps = generation.iterator(); // reads the prompt
        try {
            events.open();
            events.send("prompt", JsonBody.object(g -> {
                g.writeStringField("model", api.modelName());
                g.writeStringField("prompt", generation.prompt());
                Encoding e = generation.promptEncoding();
                g.writeArrayFieldStart("tokens");
                for (int i = 0; i < e.length(); i++) {
                    SearchJson.writeToken(g, new TokenRef(i, e.ids()[i], e.tokens()[i], e.starts()[i], e.ends()[i]));
                }
                g.writeEndArray();
                g.writeNumberField("layer", r.view().layer());
                Object head = r.view().headName();
                if (head instanceof Integer h) g.writeNumberField("head", h);
                else g.writeStringField("head", (String) head);
                g.writeNumberField("promptMillis", Math.round(generation.promptMillis() * 1000) / 1000.0);
            }));
            while (steps.hasNext()) {
                Generation.Step s = steps.next();
                tokens.incrementAndGet();
                events.send("token", JsonBody.object(g -> {
                    g.writeNumberField("step", s.step());
                    g.writeNumberField("position", s.position());
                    g.writeNumberField("id", s.id());
                    g.writeStringField("token", s.token());
                    g.writeStringField("text", s.text());
                    g.writeNumberField("start", s.page().query().start());
                    g.writeNumberField("end", s.page().query().end());
                    g.writeNumberField("probability", s.probability());
                    SearchJson.predictions(g, "alternatives", s.alternatives());
                    g.writeFieldName("page");
                    SearchJson.writePage(g, s.page());
                }));
            }
            events.send("done", JsonBody.object(g -> {
                g.writeStringField("stop", generation.stop().label());
                g.writeNumberField("tokens", generation.ids().length);
                g.writeStringField("text", generation.text());
                g.writeNumberField("tokensPerSecond", Math.round(generation.tokensPerSecond() * 10) / 10.0);
            }));
        } catch (IOException gone) {
            // The client closed the page or the connection: stop writing, free the turn.
        }
    }
}
