package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
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
 * Fifty clients at once against 127.0.0.1, none of them waiting or retrying: every request is
 * answered, either with the right page or with a polite 503 and Retry-After; nothing is lost,
 * nothing fails inside, and what the server holds stays within its limits.
 */
class WebServerLoadTest {

    private static final int CLIENTS = 50, REQUESTS_EACH = 8, TEXTS = 12;
    private static final long MIB = 1 << 20;

    @Test
    void fiftyClientsAreAnsweredCorrectlyOrPolitelyRefusedWithinTheLimits() throws Exception {
        Model bert = TestModels.MINILM.model();
        List<String> texts = new ArrayList<>();
        for (int t = 0; t < TEXTS; t++) texts.add("Client text " + t + ": the bank by the river raised its rates in " + (1900 + t) + ".");
        // The expected top key of each (text, head) at the text's layer and query 3, computed directly.
        int[][] expectedTop = new int[TEXTS][12];
        for (int t = 0; t < TEXTS; t++) {
            Analysis a = Analysis.of(bert, texts.get(t));
            for (int h = 0; h < 12; h++) expectedTop[t][h] = a.page(new View.Head(t % 6, h), 3, 1).results().getFirst().key().position();
        }
        // Two analyses at once and eight waiting briefly: the first burst of new texts meets 503s, and once a
        // text is kept (about 3 MiB each) its requests no longer wait for a turn.
        WebServer.Limits limits = new WebServer.Limits(256 * 1024, 2, 8, 500, TEXTS, 48 * MIB);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long heapBefore = heapAfterGc(memory);
        AtomicInteger ok = new AtomicInteger(), busy = new AtomicInteger();
        List<String> wrong = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        WebServer.Held held;
        try (WebServer server = WebServer.start(bert, "all-MiniLM-L6-v2", "127.0.0.1", 0, limits);
             ExecutorService pool = Executors.newFixedThreadPool(CLIENTS)) {
            Http http = new Http(server.port());
            CyclicBarrier start = new CyclicBarrier(CLIENTS);
            List<Future<?>> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int client = c;
                clients.add(pool.submit(() -> {
                    start.await();
                    for (int r = 0; r < REQUESTS_EACH; r++) {
                        int t = (client * 7 + r) % TEXTS, head = (client + r) % 12;
                        String body = "{\"text\": " + WebServerTest.quote(texts.get(t))
                                + ", \"layer\": " + (t % 6) + ", \"head\": " + head + ", \"query\": 3, \"top\": 1}";
                        Http.Answer a;
                        try {
                            a = http.post("/api/analyze", body);
                        } catch (AssertionError lost) {
                            wrong.add("no answer: " + lost.getMessage());
                            continue;
                        }
                        if (a.status() == 503) {
                            busy.incrementAndGet();
                            if (!"1".equals(a.header("Retry-After")) || !a.json().has("error")) wrong.add("bad 503: " + a.body());
                        } else if (a.status() != 200 || a.json().get("pages").get(0).get("results").get(0).get("key").asInt()
                                != expectedTop[t][head] || !a.json().get("text").asText().equals(texts.get(t))) {
                            wrong.add(a.status() + ": " + a.body());
                        } else {
                            ok.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : clients) f.get(2, TimeUnit.MINUTES);
            assertEquals(0, server.internalErrors(), "no failure inside the server");
            held = server.held();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        long heapGrowth = heapAfterGc(memory) - heapBefore;
        System.out.printf("load: %d requests in %.1f s, %d answered, %d busy (503); at most %d analyses running and %d waiting, "
                        + "%d kept in %.1f MiB; heap %+.1f MiB after GC%n", CLIENTS * REQUESTS_EACH, seconds, ok.get(), busy.get(),
                held.peakRunning(), held.peakWaiting(), held.cachedAnalyses(), held.cachedBytes() / (double) MIB, heapGrowth / (double) MIB);

        assertEquals(List.of(), wrong);
        assertEquals(CLIENTS * REQUESTS_EACH, ok.get() + busy.get(), "every request answered");
        assertTrue(ok.get() >= TEXTS, "requests get through: ok " + ok.get() + ", busy " + busy.get());
        assertTrue(held.peakRunning() <= limits.concurrent() && held.peakWaiting() <= limits.waiting(), held.toString());
        assertTrue(held.cachedAnalyses() <= limits.cacheEntries() && held.cachedBytes() <= limits.cacheBytes(), held.toString());
        assertTrue(heapGrowth < limits.cacheBytes() + 64 * MIB, "the server holds no more than its cache: " + heapGrowth / MIB + " MiB");
    }

    private static long heapAfterGc(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }
}
