package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.Test;

/**
 * Fifty clients at once against 127.0.0.1: every request is answered, either with the right
 * page or with a polite 503 and Retry-After; nothing is lost and nothing fails inside.
 */
class WebServerLoadTest {

    private static final int CLIENTS = 50, REQUESTS_EACH = 6;

    @Test
    void boundedLoadIsAnsweredCorrectlyOrPolitelyRefused() throws Exception {
        Model bert = TestModels.MINILM.model();
        List<String> texts = new ArrayList<>();
        for (int t = 0; t < 12; t++) {
            texts.add("Client text number " + t + ": the bank by the river raised its rates after the flood of " + (1900 + t) + ".");
        }
        // The expected top key of each (text, layer, head, query), computed directly.
        int[][] expectedTop = new int[texts.size()][];
        for (int t = 0; t < texts.size(); t++) {
            Analysis a = Analysis.of(bert, texts.get(t));
            expectedTop[t] = new int[12];
            for (int h = 0; h < 12; h++) expectedTop[t][h] = a.page(new View.Head(t % 6, h), 3, 1).results().getFirst().key().position();
        }
        // A small wait keeps the queue short, so some clients do meet the 503.
        WebServer.Limits limits = new WebServer.Limits(256 * 1024, 2, 8, 2_000, 16, 1L << 30);
        AtomicInteger ok = new AtomicInteger(), busy = new AtomicInteger(), retried = new AtomicInteger();
        List<String> wrong = java.util.Collections.synchronizedList(new ArrayList<>());
        try (WebServer server = WebServer.start(bert, "all-MiniLM-L6-v2", "127.0.0.1", 0, limits);
             ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            Http http = new Http(server.port());
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    for (int r = 0; r < REQUESTS_EACH; r++) {
                        int t = (client * 7 + r) % texts.size(), head = (client + r) % 12;
                        String body = "{\"text\": " + WebServerTest.quote(texts.get(t))
                                + ", \"layer\": " + (t % 6) + ", \"head\": " + head + ", \"query\": 3, \"top\": 1}";
                        Http.Answer a = http.post("/api/analyze", body);
                        // A polite client comes back once after Retry-After.
                        if (a.status() == 503) {
                            retried.incrementAndGet();
                            Thread.sleep(1000L * Integer.parseInt(a.header("Retry-After")));
                            a = http.post("/api/analyze", body);
                        }
                        if (a.status() == 503) {
                            busy.incrementAndGet();
                            if (!"1".equals(a.header("Retry-After")) || !a.json().has("error")) wrong.add("bad 503: " + a.body());
                            continue;
                        }
                        JsonNode page = a.status() == 200 ? a.json().get("pages").get(0) : null;
                        if (page == null || page.get("results").get(0).get("key").asInt() != expectedTop[t][head]
                                || !a.json().get("text").asText().equals(texts.get(t))) {
                            wrong.add(a.status() + ": " + a.body());
                        } else {
                            ok.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) f.get(5, TimeUnit.MINUTES);
            assertEquals(0, server.internalErrors(), "no failure inside the server");
        }
        assertEquals(List.of(), wrong);
        assertEquals(CLIENTS * REQUESTS_EACH, ok.get() + busy.get(), "every request answered");
        assertTrue(ok.get() >= CLIENTS, "most requests get through: ok " + ok.get() + ", busy " + busy.get());
        System.out.printf("load: %d answered, %d still busy (503) after %d retries%n", ok.get(), busy.get(), retried.get());
    }
}
