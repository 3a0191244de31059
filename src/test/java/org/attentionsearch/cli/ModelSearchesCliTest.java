package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Result;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.Test;

/** explain --heads (which heads make X find Y?) and explain --compare (two tokens' meanings, layer by layer). */
class ModelSearchesCliTest {

    private static final String TEXT = "The animal didn't cross the street because it was too tired.";
    private static final String BANKS = "I went to the bank to deposit money, then sat on the river bank.";

    @Test
    void headsRanksEveryHeadByTheWeightFromTheTokenToTheKey() throws Exception {
        CliTest.Run r = CliTest.run("explain", "--json", "--token", "it", "--key", "animal", "--heads", TEXT);
        assertEquals(0, r.code(), r.err());
        JsonNode line = r.lines().getFirst();
        assertEquals(10, line.get("query").asInt());
        assertEquals(2, line.get("key").asInt());
        JsonNode heads = line.get("heads");
        assertEquals(72, heads.size());
        Analysis a = Analysis.of(TestModels.MINILM.model(), TEXT);
        JsonNode best = heads.get(0);
        double weight = 0;
        for (Result res : a.page(new View.Head(best.get("layer").asInt(), best.get("head").asInt()), 10, 0).results()) {
            if (res.key().position() == 2) weight = res.weight();
        }
        assertEquals(weight, best.get("weight").asDouble(), 0.0, "the top head's weight is its page's weight for the key");
        for (int i = 1; i < heads.size(); i++) {
            assertTrue(heads.get(i).get("weight").asDouble() <= heads.get(i - 1).get("weight").asDouble());
            assertEquals(i + 1, heads.get(i).get("rank").asInt());
        }

        CliTest.Run text = CliTest.run("explain", "--token", "it", "--key", "animal", "--heads", "--top", "3", TEXT);
        assertEquals(0, text.code(), text.err());
        assertTrue(text.out().contains("Which heads make it find animal?"), text.out());
        assertTrue(text.out().contains("About 72 heads"), text.out());
        assertTrue(text.out().contains(String.format(java.util.Locale.ROOT, "  1. layer %d head %d", best.get("layer").asInt(),
                best.get("head").asInt())), text.out());
        assertTrue(!text.out().contains("  4. "), "--top 3 shows three heads");
    }

    @Test
    void headsNeedsBothTokens() {
        CliTest.Run r = CliTest.run("explain", "--token", "it", "--heads", TEXT);
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--heads needs --token"), r.err());
    }

    @Test
    void compareGivesTheCosineAtEveryLayerAndSaysWhatHashMeans() throws Exception {
        CliTest.Run r = CliTest.run("explain", "--json", "--compare", "bank#5", "bank#15", BANKS);
        assertEquals(0, r.code(), r.err());
        JsonNode line = r.lines().getFirst();
        assertEquals(5, line.get("a").asInt());
        assertEquals(15, line.get("b").asInt());
        assertEquals(7, line.get("layers").size());
        // At the input the two banks differ only by position; the context pulls them apart.
        double first = line.get("layers").get(0).get("cosine").asDouble(), last = line.get("layers").get(6).get("cosine").asDouble();
        assertTrue(first > last, first + " then " + last);

        CliTest.Run ambiguous = CliTest.run("explain", "--compare", "bank", "money", BANKS);
        assertEquals(2, ambiguous.code());
        assertTrue(ambiguous.err().contains("bank#5, bank#15") && ambiguous.err().contains("WORD#N is the token at position N"),
                ambiguous.err());
        CliTest.Run wrong = CliTest.run("explain", "--compare", "bank#6", "bank#15", BANKS);
        assertEquals(2, wrong.code());
        assertTrue(wrong.err().contains("token 6 is 'to', not 'bank'"), wrong.err());

        CliTest.Run two = CliTest.run("explain", "--compare", "bank#5", "bank", "--against", "She sat on the bank of the river.", BANKS);
        assertEquals(0, two.code(), two.err());
        assertTrue(two.out().contains("How alike are bank#5 and bank#5 (other text)?") && two.out().contains("layer 5"), two.out());
    }
}
