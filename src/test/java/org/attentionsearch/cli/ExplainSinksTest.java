package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/** {@code explain} with attention sinks: the marks in text and JSON, and {@code --without-sinks}. */
class ExplainSinksTest {

    private static final String TEXT = "I went to the bank to deposit money, then sat on the river bank.";

    @Test
    void withoutSinksLeavesTheMarkedKeysOutAndRenormalisesTheRest() throws Exception {
        CliTest.Run marked = CliTest.run("explain", "--json", "--layer", "2", "--head", "0", "--top", "all", TEXT);
        CliTest.Run without = CliTest.run("explain", "--json", "--layer", "2", "--head", "0", "--top", "all", "--without-sinks", TEXT);
        assertEquals(0, marked.code(), marked.err());
        assertEquals(0, without.code(), without.err());
        JsonNode before = marked.lines().getFirst().get("pages"), after = without.lines().getFirst().get("pages");
        assertEquals(before.size(), after.size());
        int leftOut = 0;
        for (int p = 0; p < before.size(); p++) {
            JsonNode page = before.get(p), renormalised = after.get(p);
            assertFalse(page.has("sinksLeftOut"));
            Map<Integer, Double> weight = new HashMap<>();
            double sinkWeight = 0;
            int sinks = 0;
            for (JsonNode r : page.get("results")) {
                weight.put(r.get("key").asInt(), r.get("weight").asDouble());
                if (r.get("sink").asBoolean()) {
                    sinkWeight += r.get("weight").asDouble();
                    sinks++;
                }
            }
            JsonNode left = renormalised.get("sinksLeftOut");
            assertEquals(sinks, left.get("keys").size());
            assertEquals(sinkWeight, left.get("weight").asDouble(), 1e-12);
            assertEquals(page.get("keys").asInt() - sinks, renormalised.get("keys").asInt());
            double sum = 0;
            int rank = 1;
            for (JsonNode r : renormalised.get("results")) {
                assertFalse(r.get("sink").asBoolean());
                assertEquals(rank++, r.get("rank").asInt());
                double w = r.get("weight").asDouble();
                assertEquals(weight.get(r.get("key").asInt()) / (1 - sinkWeight), w, 2e-6 / (1 - sinkWeight));
                sum += w;
            }
            assertEquals(1.0, sum, 1e-5);
            leftOut += sinks;
        }
        assertTrue(leftOut > 0, "the head has sinks to leave out");

        CliTest.Run top = CliTest.run("explain", "--json", "--layer", "2", "--head", "0", "--top", "3", "--without-sinks", TEXT);
        assertEquals(0, top.code(), top.err());
        for (JsonNode page : top.lines().getFirst().get("pages")) {
            assertEquals(3, page.get("results").size(), "the top 3 of the keys left, not of the page before");
            double shown = 0;
            for (JsonNode r : page.get("results")) shown += r.get("weight").asDouble();
            assertEquals(shown, page.get("coveredWeight").asDouble(), 1e-9);
            assertTrue(shown <= 1 + 1e-9, "shown weights " + shown);
        }
    }

    @Test
    void theTextMarksSinksAndSaysWhatWasLeftOut() {
        CliTest.Run page = CliTest.run("explain", "--token", "5", "--layer", "2", "--head", "1", TEXT);
        assertEquals(0, page.code(), page.err());
        assertTrue(page.out().contains("[CLS]  token 0  sink: takes weight, its value adds little"), page.out());
        assertTrue(page.out().contains("About 18 results"), page.out());

        CliTest.Run without = CliTest.run("explain", "--token", "5", "--layer", "2", "--head", "1", "--without-sinks", TEXT);
        assertEquals(0, without.code(), without.err());
        assertTrue(without.out().contains("About 17 results"), without.out());
        assertTrue(without.out().contains("Sinks left out: [CLS]#0, with "), without.out());
        assertTrue(without.out().contains("renormalised"), without.out());
        assertFalse(without.out().contains("[CLS]  token 0"), "[CLS] is no longer a result: " + without.out());

        CliTest.Run blend = CliTest.run("explain", "--token", "5", "--layer", "2", "--top", "all", TEXT);
        assertEquals(0, blend.code(), blend.err());
        assertTrue(blend.out().contains("sink: the heads give it "), "on the value-weighted blend, the heads' weight: " + blend.out());

        CliTest.Run overview = CliTest.run("explain", "--layer", "2", "--head", "1", TEXT);
        assertEquals(0, overview.code(), overview.err());
        assertTrue(overview.out().contains("sink: takes weight, adds little"), overview.out());
        assertTrue(overview.out().lines().anyMatch(l -> l.contains("[CLS]#0") && l.contains(" sink")), overview.out());
        CliTest.Run overviewWithout = CliTest.run("explain", "--layer", "2", "--head", "1", "--without-sinks", TEXT);
        assertEquals(0, overviewWithout.code(), overviewWithout.err());
        assertTrue(overviewWithout.out().contains("Sinks left out, the other weights renormalised"), overviewWithout.out());
    }

    @Test
    void rolloutMarksNoSinks() throws Exception {
        CliTest.Run r = CliTest.run("explain", "--rollout", "--without-sinks", TEXT);
        assertEquals(2, r.code(), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("rollout marks no sinks"), r.err());
        CliTest.Run json = CliTest.run("explain", "--rollout", "--json", "--token", "3", TEXT);
        assertEquals(0, json.code(), json.err());
        for (JsonNode result : json.lines().getFirst().get("pages").get(0).get("results")) {
            assertTrue(result.get("sink").isNull(), result.toString());
        }
    }
}
