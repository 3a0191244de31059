package org.attentionsearch.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The open-addressing table of ids answers as a {@code HashMap<String, Integer>} of the same entries does. */
class TokenIdsTest {

    @Test
    void answersAsAMapOfTheSameTokens() {
        SplittableRandom random = new SplittableRandom(7);
        for (int n : new int[] {0, 1, 2, 3, 100, 4096, 50_257}) {
            String[] tokens = new String[n];
            Map<String, Integer> reference = new HashMap<>();
            for (int id = 0; id < n; id++) {
                if (random.nextInt(20) == 0) continue; // ids no token has
                String t;
                do t = word(random); while (reference.containsKey(t));
                tokens[id] = t;
                reference.put(t, id);
            }
            TokenIds ids = TokenIds.of(tokens);
            assertEquals(-1, ids.repeated());
            for (Map.Entry<String, Integer> e : reference.entrySet()) assertEquals(e.getValue(), ids.idOf(e.getKey()));
            for (int i = 0; i < 2000; i++) {
                String t = word(random);
                assertEquals(reference.getOrDefault(t, -1), ids.idOf(t), t);
            }
        }
    }

    @Test
    void namesTheFirstRepeatedToken() {
        TokenIds ids = TokenIds.of(new String[] {"a", "b", null, "a", "b"});
        assertEquals(3, ids.repeated());
        assertEquals(0, ids.idOf("a"));
        assertEquals(-1, TokenIds.of(new String[] {"a", null, "b"}).repeated());
    }

    @Test
    void keepsStringsWhoseIdAnotherTokenTookOver() {
        // "old" was entry 1 until an added token "<new>" took id 1; both strings still find it.
        String[] tokens = {"a", "<new>", "c"};
        TokenIds ids = TokenIds.of(tokens, Map.of("a", 0, "old", 1, "<new>", 1, "c", 2));
        assertEquals(1, ids.idOf("old"));
        assertEquals(1, ids.idOf("<new>"));
        assertEquals(2, ids.idOf("c"));
        assertEquals(-1, ids.idOf("b"));
    }

    private static String word(SplittableRandom random) {
        StringBuilder b = new StringBuilder();
        for (int i = random.nextInt(1, 9); i > 0; i--) b.append((char) random.nextInt('a', 'a' + 6)); // 2 million words
        return b.toString();
    }
}
