package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Random;

import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.Test;

class EncoderTest {

    /** The untraced pass reuses its scratch; what a larger pass left there must never show. */
    @Test
    void reusedScratchGivesTheSameBitsAsAFreshEncoder() {
        Bert bert = TestModels.MINILM.bert();
        Encoder reused = new Encoder(bert.encoder().weights());
        Random random = new Random(11);
        Batch big = Batch.of(ids(random, 300), ids(random, 77));
        Batch small = Batch.of(ids(random, 9), ids(random, 40), ids(random, 1));
        reused.forward(big, false);
        float[] after = reused.forward(small, false).hidden();
        float[] fresh = new Encoder(bert.encoder().weights()).forward(small, false).hidden();
        assertArrayEquals(fresh, java.util.Arrays.copyOf(after, fresh.length));
        float[] again = reused.forward(big, false).hidden();
        assertArrayEquals(new Encoder(bert.encoder().weights()).forward(big, false).hidden(), again);
    }

    private static int[] ids(Random random, int length) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) ids[i] = 1000 + random.nextInt(28000);
        return ids;
    }
}
