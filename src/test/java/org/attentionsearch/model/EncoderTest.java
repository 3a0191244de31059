package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.List;
import java.util.Random;

import org.attentionsearch.testing.TestModels;
import org.attentionsearch.weights.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The encoder's own bookkeeping: reused scratch, and traces that outlive later passes. */
class EncoderTest {

    private static Model bert;
    private static Batch big;
    private static Batch small;

    @BeforeAll
    static void warmUp() {
        bert = TestModels.MINILM.model();
        Random random = new Random(11);
        big = Batch.of(ids(random, 300), ids(random, 77));
        small = Batch.of(ids(random, 9), ids(random, 40), ids(random, 1));
        // Bits are compared below, so let the JIT settle first: an interpreted reduction may
        // add its lanes in another order than the compiled one.
        for (int i = 0; i < 5; i++) {
            engine().forward(big, false);
            engine().forward(small, true);
        }
    }

    /** The untraced pass reuses its scratch; what a larger pass left there must never show. */
    @Test
    void reusedScratchGivesTheSameBitsAsAFreshEncoder() {
        Transformer reused = engine().withoutScratch();
        reused.forward(big, false);
        float[] after = reused.forward(small, false).hidden();
        assertArrayEquals(engine().withoutScratch().forward(small, false).hidden(), after);
        float[] again = reused.forward(big, false).hidden();
        assertArrayEquals(engine().withoutScratch().forward(big, false).hidden(), again);
    }

    /** A trace keeps views of its pass's buffers: later passes, traced or not, must not touch them. */
    @Test
    void aTraceIsUnchangedByLaterPasses() {
        Transformer encoder = engine().withoutScratch();
        encoder.forward(big, false);
        Trace trace = encoder.forward(small, true).trace(1);
        List<String> names = trace.names();
        float[][] before = new float[names.size()][];
        for (int i = 0; i < names.size(); i++) before[i] = trace.get(names.get(i)).data().clone();
        encoder.forward(small, false);
        encoder.forward(big, true);
        encoder.forward(big, false);
        for (int i = 0; i < names.size(); i++) {
            Tensor now = trace.get(names.get(i));
            assertArrayEquals(before[i], now.data(), names.get(i));
        }
    }

    private static Transformer engine() {
        return (Transformer) bert;
    }

    private static int[] ids(Random random, int length) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) ids[i] = 1000 + random.nextInt(28000);
        return ids;
    }
}
