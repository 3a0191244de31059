package org.attentionsearch.bench;

import java.util.Arrays;
import java.util.Locale;

import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.KeyValueCache;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Output;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.SyntheticModels.Architecture;
import org.attentionsearch.testing.SyntheticModels.Spec;
import org.attentionsearch.testing.Vocabulary;
import org.attentionsearch.weights.GgmlType;
import org.attentionsearch.weights.ModelLoader;

/**
 * Single-token forwards (with the KV cache, and the LM head's logits) of a mid-size synthetic
 * Llama GGUF, Q8_0 read in place against the same file dequantized to float32 at load, and each
 * model's heap after load. Not a test: timing on a shared machine says little.
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec -Dbench.main=org.attentionsearch.bench.QuantizedDecoding}
 */
public final class QuantizedDecoding {

    private QuantizedDecoding() {
    }

    public static void main(String[] args) {
        Parallel.setThreads(Integer.getInteger("threads", Runtime.getRuntime().availableProcessors()));
        Spec spec = new Spec(Architecture.LLAMA, Vocabulary.LLAMA2, GgmlType.Q8_0, false, 1024, 8, 16, 4, 64, 2816, 4096, 7);
        var file = SyntheticModels.gguf(spec);
        for (boolean inPlace : new boolean[] {true, false, true, false}) {
            System.setProperty("attentionsearch.gguf.dequantize", Boolean.toString(!inPlace));
            long before = usedHeap();
            Model model = Model.load(ModelLoader.load(file));
            long heap = usedHeap() - before;
            int h = model.config().hiddenSize();
            KeyValueCache cache = new KeyValueCache(model.config());
            int steps = 64, warmup = 16;
            long t0 = 0;
            for (int i = 0; i < warmup + steps; i++) {
                if (i == warmup) t0 = System.nanoTime();
                Output out = model.forward(new int[] {1 + i % 1000}, cache, false);
                model.head().logits(Arrays.copyOf(out.hidden(), h), 1);
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "%-22s %6.1f tokens/s   heap after load %7.1f MB%n",
                    inPlace ? "Q8_0 in place" : "Q8_0 dequantized F32", steps / seconds, heap / 1e6);
        }
    }

    private static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        for (int i = 0; i < 3; i++) System.gc();
        return rt.totalMemory() - rt.freeMemory();
    }
}
