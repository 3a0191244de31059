package org.attentionsearch.web;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.Test;

/** The API behind the server, called directly: what waits for an analysis slot, and how large an answer may grow. */
class AnalyzeApiTest {

    private final Model bert = TestModels.MINILM.model();

    @Test
    void aKeptAnalysisAnswersWhileEverySlotIsTaken() throws Exception {
        Admission admission = new Admission(1, 0, 0); // one slot, nobody may wait
        AnalysisCache cache = new AnalysisCache(bert, 8, 1L << 30);
        AnalyzeApi api = new AnalyzeApi(new ServedModel("minilm", "all-MiniLM-L6-v2", bert), cache, admission);
        byte[] kept = utf8("{\"text\": \"The bank raised its rates.\", \"query\": 1, \"top\": 2}");
        assertEquals(false, json(api.analyze(kept)).get("cached").asBoolean());

        CountDownLatch taken = new CountDownLatch(1), release = new CountDownLatch(1);
        Thread holder = Thread.ofPlatform().start(() -> admission.run(() -> {
            taken.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return null;
        }));
        try {
            taken.await();
            assertThrows(Admission.Busy.class, () -> api.analyze(utf8("{\"text\": \"A text not seen before.\"}")),
                    "a new text needs the slot");
            JsonNode again = json(api.analyze(utf8("{\"text\": \"The bank raised its rates.\", \"query\": 2, \"layer\": 0, \"head\": 3}")));
            assertTrue(again.get("cached").asBoolean());
            assertEquals(2, again.get("pages").get(0).get("query").asInt());
        } finally {
            release.countDown();
            holder.join();
        }
    }

    @Test
    void attentionMapsOfALongTextStayWithinTheirCellBudget() throws Exception {
        AnalysisCache cache = new AnalysisCache(bert, 8, 1L << 30);
        AnalyzeApi api = new AnalyzeApi(new ServedModel("minilm", "all-MiniLM-L6-v2", bert), cache, new Admission(1, 1, 60_000));
        String text = "The river bank flooded and the bank raised its rates. ".repeat(12);
        byte[] answer = api.analyze(utf8("{\"text\": " + WebServerTest.quote(text) + ", \"query\": 0, \"top\": 1, \"attention\": true}"));
        JsonNode att = json(answer).get("attention");
        int n = att.get("tokens").asInt(), m = att.get("cells").asInt(), maps = 6 * 12;
        assertTrue(n > 121 && n < 512, n + " tokens: enough that 72 maps of n × n cells pass the budget");
        assertTrue((long) maps * m * m <= AnalyzeApi.MAX_ATTENTION_CELLS, m + " × " + m + " cells in each of " + maps + " maps");
        assertTrue(answer.length <= 6L * AnalyzeApi.MAX_ATTENTION_CELLS + 64 * 1024, answer.length + " bytes");

        // Each cell is the largest weight of its block of tokens, rounded to 3 decimals.
        Analysis a = cache.kept(text);
        float[] exact = a.weights(new View.Head(4, 5));
        JsonNode map = att.get("weights").get(4).get(5);
        assertEquals(m * m, map.size());
        for (int bi = 0; bi < m; bi += 7) {
            for (int bj = 0; bj < m; bj += 5) {
                float max = 0;
                for (int i = bi * n / m; i < (bi + 1) * n / m; i++) {
                    for (int j = bj * n / m; j < (bj + 1) * n / m; j++) max = Math.max(max, exact[i * n + j]);
                }
                assertEquals(max, map.get(bi * m + bj).asDouble(), 0.0005 + 1e-9);
            }
        }
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static JsonNode json(byte[] body) throws Exception {
        return Http.JSON.readTree(body);
    }

    /** Found by fuzzing: bytes Jackson takes for UTF-32 and cannot decode are a 400, not an internal error. */
    @Test
    void aBodyThatIsNoTextAtAllIsABadRequest() {
        byte[] body = {0x01, 0, 0, 0, 0, 0, 0, 0x08, (byte) 0x9a, (byte) 0xfc};
        ApiException e = assertThrows(ApiException.class, () -> JsonBody.parse(body));
        assertEquals(400, e.status());
    }
}
