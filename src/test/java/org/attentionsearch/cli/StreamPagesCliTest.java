package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.testing.SyntheticModels;
import org.junit.jupiter.api.Test;

/** explain and next on texts past 512 tokens, with streamed pages asked for or past the memory threshold. */
class StreamPagesCliTest {

    private static String gguf() {
        return SyntheticModels.gguf(SyntheticModels.qwen2()).toString(); // 32,768 positions
    }

    private static String words(int count) {
        StringBuilder s = new StringBuilder();
        String[] words = {"river", "bank", "money", "rain", "flood", "the", "after", "rates"};
        for (int i = 0; i < count; i++) s.append(i == 0 ? "" : " ").append(words[(i * 7 + i / 3) % words.length]);
        return s.toString();
    }

    @Test
    void streamedPagesEqualFullOnesPast512TokensAndNextTakesTheWholeContext() throws Exception {
        String text = words(700);
        CliTest.Run full = CliTest.run("explain", "--model", gguf(), "--json", "--layer", "1", "--head", "2", "--top", "4", text);
        CliTest.Run streamed = CliTest.run("explain", "--model", gguf(), "--json", "--layer", "1", "--head", "2", "--top", "4",
                "--stream-pages", text);
        assertEquals(0, full.code(), full.err());
        assertEquals(0, streamed.code(), streamed.err());
        JsonNode f = full.lines().getFirst(), s = streamed.lines().getFirst();
        int n = f.get("tokens").size();
        assertTrue(n > 512, "no cut at 512: " + n);
        assertEquals(0, s.get("truncatedTokens").asInt());
        assertFalse(f.get("streamedPages").asBoolean());
        assertTrue(s.get("streamedPages").asBoolean());
        assertEquals(n, s.get("pages").size());
        for (int i = 0; i < n; i++) {
            JsonNode fp = f.get("pages").get(i), sp = s.get("pages").get(i);
            assertEquals(fp.get("keys"), sp.get("keys"));
            for (int r = 0; r < fp.get("results").size(); r++) {
                JsonNode fr = fp.get("results").get(r), sr = sp.get("results").get(r);
                assertEquals(fr.get("key"), sr.get("key"), "page " + i + ", result " + r);
                assertEquals(fr.get("weight").asDouble(), sr.get("weight").asDouble(), 1e-6);
            }
        }
        CliTest.Run next = CliTest.run("next", "--model", gguf(), "--json", "--top", "2", text);
        assertEquals(0, next.code(), next.err());
        assertEquals(n, next.lines().getFirst().get("next").size());
        assertTrue(next.err().isEmpty(), "nothing dropped: " + next.err());
    }

    @Test
    void rolloutAndTopAllAreRefusedWithStreamedPages() {
        for (String[] args : new String[][] {{"--rollout"}, {"--top", "all"}}) {
            String[] all = new String[args.length + 5];
            System.arraycopy(new String[] {"explain", "--model", gguf(), "--stream-pages"}, 0, all, 0, 4);
            System.arraycopy(args, 0, all, 4, args.length);
            all[all.length - 1] = "The river bank flooded";
            CliTest.Run r = CliTest.run(all);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains("--stream-pages does not keep") && r.err().lines().count() == 1, r.err());
        }
    }

    @Test
    void aTextPastTheThresholdIsRefusedRolloutBeforeItsPass() throws Exception {
        Model model = Model.load(java.nio.file.Path.of(gguf()));
        long budget = Runtime.getRuntime().maxMemory() / 2; // explain's: half the heap
        int n = 1;
        while (Analysis.estimatedBytes(model.config(), n) <= budget) n += 64;
        for (String[] args : new String[][] {{"--rollout"}, {"--top", "all"}}) {
            String[] all = new String[args.length + 4];
            System.arraycopy(new String[] {"explain", "--model", gguf()}, 0, all, 0, 3);
            System.arraycopy(args, 0, all, 3, args.length);
            all[all.length - 1] = words(n + 64);
            CliTest.Run r = CliTest.run(all);
            assertEquals(2, r.code(), r.err());
            assertTrue(r.err().contains(args[0] + (args.length > 1 ? " all" : "") + " needs the whole attention matrix")
                    && r.err().contains("so its pages are streamed") && r.err().lines().count() == 1, r.err());
        }
    }
}
