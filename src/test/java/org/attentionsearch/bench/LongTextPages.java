package org.attentionsearch.bench;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.ModelType;
import org.attentionsearch.model.Rope;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.Streaming;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.text.Encoding;

/**
 * One long text's streamed results pages: a 32,768-token input on a Llama-shaped model with
 * random weights and 32,768 positions (hidden 256, 2 layers, 4 query heads over 2 key/value
 * heads of 64), the traced pass without weights, then every query's page under one head, the
 * mean blend and the value blend of one layer. Prints one JSON line: the times and the peak heap.
 * A full trace of this text would hold 2 layers × 4 heads × 32,768² floats, 34 GB.
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec -Dbench.main=org.attentionsearch.bench.LongTextPages
 * -Dbench.heap=2g} ({@code -Donly=head} for the head's pages only; run with java itself, {@code -Dtokens=N} sets
 * another length). The sampled peak shows only that it fits: the collector lets the heap fill before it
 * collects. What the analysis really holds is the heap in use after a full collection with it still live.
 */
public final class LongTextPages {

    public static void main(String[] args) {
        int n = Integer.getInteger("tokens", 32_768);
        Parallel.setThreads(Integer.getInteger("threads", Runtime.getRuntime().availableProcessors()));
        boolean blends = !System.getProperty("only", "all").equals("head");
        ModelConfig c = ModelConfig.llama(ModelType.LLAMA, RandomDecoders.VOCAB, 256, 2, 4, 2, 64, 512, n, 1e-5f,
                Rope.plain(500_000, 64), false, false, false, 0);
        Model model = Model.load(RandomDecoders.checkpoint(c, 1));
        Peak peak = new Peak();
        peak.start();

        Random r = new Random(2);
        int[] ids = new int[n], none = new int[n];
        String[] tokens = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 3 + r.nextInt(RandomDecoders.VOCAB - 3);
            tokens[i] = "t" + ids[i];
            none[i] = -1;
        }
        Model.Tokenized text = new Model.Tokenized("", new Encoding(ids, new int[n], tokens, none, none), 0);
        long t0 = System.nanoTime();
        Analysis a = Analysis.of(model, List.of(text), new Streaming(true, Long.MAX_VALUE)).getFirst();
        double pass = seconds(t0);
        long t1 = System.nanoTime();
        List<ResultsPage> head = a.pages(new View.Head(1, 0), 10);
        double headPages = seconds(t1);
        double mean = Double.NaN, value = Double.NaN;
        if (blends) {
            long t2 = System.nanoTime();
            a.pages(new View.MeanBlend(1), 10);
            mean = seconds(t2);
            long t3 = System.nanoTime();
            a.pages(new View.ValueBlend(1), 10);
            value = seconds(t3);
        }
        peak.finish();
        System.gc();
        long retained = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        Reference.reachabilityFence(a); // the analysis and its pages stay live through the collection
        Reference.reachabilityFence(head);
        ResultsPage last = head.getLast();
        System.out.printf(Locale.ROOT, "{\"workload\":\"streamed-pages\",\"tokens\":%d,\"threads\":%d,\"max_heap_mb\":%d,"
                        + "\"traced_pass_s\":%.1f,\"head_pages_s\":%.1f,\"mean_blend_pages_s\":%.1f,\"value_blend_pages_s\":%.1f,"
                        + "\"peak_heap_mb\":%d,\"pool_peaks_mb\":%d,\"retained_after_gc_mb\":%d,\"estimated_mb\":%d,\"last_page_keys\":%d,\"last_page_effective_results\":%.1f}%n",
                n, Parallel.threads(), Runtime.getRuntime().maxMemory() >> 20, pass, headPages, mean, value,
                peak.sampled() >> 20, Peak.poolPeaks() >> 20, retained >> 20,
                Analysis.streamedBytes(c, n) >> 20, last.keys(), last.effectiveResults());
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    /** The most heap in use, sampled every 5 ms, and the heap pools' own peaks (their sum bounds it from above). */
    private static final class Peak extends Thread {
        private final AtomicLong max = new AtomicLong();
        private volatile boolean running = true;

        Peak() {
            setDaemon(true);
        }

        @Override
        public void run() {
            Runtime rt = Runtime.getRuntime();
            while (running) {
                max.accumulateAndGet(rt.totalMemory() - rt.freeMemory(), Math::max);
                try {
                    Thread.sleep(5);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        void finish() {
            running = false;
        }

        long sampled() {
            return max.get();
        }

        static long poolPeaks() {
            long sum = 0;
            for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                if (p.getType() == MemoryType.HEAP) sum += p.getPeakUsage().getUsed();
            }
            return sum;
        }
    }
}
