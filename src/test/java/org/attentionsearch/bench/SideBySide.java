package org.attentionsearch.bench;

import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Batch;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Transformer;
import org.attentionsearch.model.Output;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.text.BertTokenizer;

/**
 * Our encoder and ONNX Runtime side by side, in one process, on the same token ids and the
 * same thread count: one JSON line per workload with both throughputs and their ratio
 * (median of several alternating rounds, after warm-up).
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec} (add {@code -Dthreads=1} for one thread,
 * {@code -Donly=1x128,trace} for some lines only: workloads by shape, then trace, explain,
 * trace-memory).
 */
public final class SideBySide {

    private static final int[][] WORKLOADS = {{1, 16}, {1, 128}, {32, 128}, {8, 512}};
    private static final int ROUNDS = 7;
    private static final double ROUND_SECONDS = 0.6;

    public static void main(String[] args) throws Exception {
        int threads = Integer.getInteger("threads", Runtime.getRuntime().availableProcessors());
        String only = System.getProperty("only", "").trim();
        List<String> names = Arrays.stream(only.split(",")).map(String::trim).toList();
        java.util.function.Predicate<String> wanted = name -> only.isEmpty() || only.equals("all")
                || names.contains(name);
        Parallel.setThreads(threads);
        Model bert = Model.embedded();

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        try (OrtSession session = env.createSession(TestModels.MINILM.onnxBytes(), options)) {
            for (int[] w : WORKLOADS) {
                int batchSize = w[0], length = w[1];
                if (!wanted.test(batchSize + "x" + length)) continue;
                int[][] ids = randomIds(bert, batchSize, length, new Random(42 + batchSize * 1000L + length));
                Batch batch = new Batch(Arrays.asList(ids), null);
                Runnable ours = () -> ((Transformer) bert).forward(batch, false);
                Runnable ort = ortRunner(env, session, ids);

                for (int i = 0; i < 3; i++) {      // warm-up: JIT and ORT's first allocations
                    timeRound(ours, 0.3);
                    timeRound(ort, 0.3);
                }
                double[] oursRate = new double[ROUNDS], ortRate = new double[ROUNDS];
                long tokens = (long) batchSize * length;
                for (int r = 0; r < ROUNDS; r++) {  // alternate, so drift hits both alike
                    oursRate[r] = tokens / timeRound(ours, ROUND_SECONDS);
                    ortRate[r] = tokens / timeRound(ort, ROUND_SECONDS);
                }
                double o = median(oursRate), x = median(ortRate);
                System.out.printf(Locale.ROOT,
                        "{\"batch\":%d,\"length\":%d,\"threads\":%d,\"ours_tokens_per_s\":%.0f,\"onnxruntime_tokens_per_s\":%.0f,\"ratio\":%.3f}%n",
                        batchSize, length, threads, o, x, o / x);
            }
        }
        if (wanted.test("trace")) traceOverhead(bert, threads);
        if (wanted.test("explain")) explainPath(bert, threads);
        if (wanted.test("trace-memory")) traceMemory(bert, threads);
    }

    /** Our plain forward pass against our traced one at 32×128 (alternating rounds, medians). */
    private static void traceOverhead(Model bert, int threads) {
        Batch batch = new Batch(Arrays.asList(randomIds(bert, 32, 128, new Random(5))), null);
        Runnable plain = () -> ((Transformer) bert).forward(batch, false);
        Runnable traced = () -> ((Transformer) bert).forward(batch, true);
        for (int i = 0; i < 3; i++) {
            timeRound(plain, 0.3);
            timeRound(traced, 0.3);
        }
        // A pass takes about half a second here, so rounds are longer than the workloads' ones:
        // several passes a round, or one collection would decide a round on its own.
        double[] p = new double[ROUNDS], t = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            p[r] = 4096 / timeRound(plain, 4 * ROUND_SECONDS);
            t[r] = 4096 / timeRound(traced, 4 * ROUND_SECONDS);
        }
        double plainRate = median(p), tracedRate = median(t);
        System.out.printf(Locale.ROOT,
                "{\"workload\":\"trace\",\"batch\":32,\"length\":128,\"threads\":%d,\"plain_tokens_per_s\":%.0f,\"traced_tokens_per_s\":%.0f,\"slowdown\":%.3f}%n",
                threads, plainRate, tracedRate, plainRate / tracedRate - 1);
    }

    /**
     * The whole explain path for one 128-token text: a traced forward pass, then every
     * token's results page at every layer and head, plus the mean and value-weighted blends
     * of every layer and rollout.
     */
    private static void explainPath(Model bert, int threads) {
        // Whole words that are one token each, so the text is exactly 128 tokens with [CLS] and [SEP].
        Random random = new Random(6);
        StringBuilder text = new StringBuilder();
        for (int words = 0; words < 126; ) {
            String w = bert.tokenizer().token(2000 + random.nextInt(bert.config().vocabSize() - 2000));
            if (w.chars().allMatch(Character::isLetter) && bert.tokenizer().encode(w).length() == 3) {
                text.append(w).append(' ');
                words++;
            }
        }
        String input = text.toString();
        int[] pages = {0};
        Runnable explain = () -> {
            var a = org.attentionsearch.search.Analysis.of(bert, input);
            int count = 0;
            for (int l = 0; l < bert.config().layers(); l++) {
                for (int h = 0; h < bert.config().heads(); h++) count += a.pages(new org.attentionsearch.search.View.Head(l, h), 10).size();
                count += a.pages(new org.attentionsearch.search.View.MeanBlend(l), 10).size();
                count += a.pages(new org.attentionsearch.search.View.ValueBlend(l), 10).size();
            }
            count += a.pages(new org.attentionsearch.search.View.Rollout(), 10).size();
            pages[0] = count;
        };
        for (int i = 0; i < 3; i++) timeRound(explain, 0.5);
        double[] ms = new double[ROUNDS];
        for (int r = 0; r < ROUNDS; r++) ms[r] = 1000 * timeRound(explain, ROUND_SECONDS);
        int tokens = bert.tokenize(input).encoding().length();
        System.out.printf(Locale.ROOT,
                "{\"workload\":\"explain\",\"tokens\":%d,\"threads\":%d,\"pages\":%d,\"ms_per_text\":%.1f}%n",
                tokens, threads, pages[0], median(ms));
    }

    /** Size of the trace and the peak heap of one traced 8×512 forward pass. */
    private static void traceMemory(Model bert, int threads) {
        Batch batch = new Batch(Arrays.asList(randomIds(bert, 8, 512, new Random(8))), null);
        System.gc();
        var pools = java.lang.management.ManagementFactory.getMemoryPoolMXBeans();
        long before = 0;
        for (var pool : pools) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) {
                pool.resetPeakUsage();
                before += pool.getUsage().getUsed();
            }
        }
        var out = ((Transformer) bert).forward(batch, true);
        long traceBytes = 0;
        for (int b = 0; b < batch.size(); b++) traceBytes += out.trace(b).bytes();
        long peak = 0;
        for (var pool : pools) {
            if (pool.getType() == java.lang.management.MemoryType.HEAP) peak += pool.getPeakUsage().getUsed();
        }
        System.out.printf(Locale.ROOT,
                "{\"workload\":\"trace-memory\",\"batch\":8,\"length\":512,\"threads\":%d,\"trace_mb\":%.0f,\"heap_before_mb\":%.0f,\"peak_heap_mb\":%.0f}%n",
                threads, traceBytes / 1e6, before / 1e6, peak / 1e6);
    }

    /** [CLS] + random word pieces + [SEP], every sequence exactly {@code length} long. */
    static int[][] randomIds(Model bert, int batch, int length, Random random) {
        int[][] ids = new int[batch][length];
        int cls = ((BertTokenizer) bert.tokenizer()).clsId(), sep = ((BertTokenizer) bert.tokenizer()).sepId();
        for (int[] row : ids) {
            for (int i = 0; i < length; i++) row[i] = 1000 + random.nextInt(bert.config().vocabSize() - 1000);
            row[0] = cls;
            row[length - 1] = sep;
        }
        return ids;
    }

    private static Runnable ortRunner(OrtEnvironment env, OrtSession session, int[][] ids) {
        int batch = ids.length, length = ids[0].length;
        long[] flatIds = new long[batch * length], mask = new long[batch * length], types = new long[batch * length];
        for (int b = 0; b < batch; b++) {
            for (int i = 0; i < length; i++) {
                flatIds[b * length + i] = ids[b][i];
                mask[b * length + i] = 1;
            }
        }
        long[] shape = {batch, length};
        return () -> {
            try (OnnxTensor a = OnnxTensor.createTensor(env, LongBuffer.wrap(flatIds), shape);
                 OnnxTensor m = OnnxTensor.createTensor(env, LongBuffer.wrap(mask), shape);
                 OnnxTensor t = OnnxTensor.createTensor(env, LongBuffer.wrap(types), shape);
                 OrtSession.Result result = session.run(inputs(session, a, m, t))) {
                if (result.size() == 0) throw new IllegalStateException("no output");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        };
    }

    static Map<String, OnnxTensor> inputs(OrtSession session, OnnxTensor ids, OnnxTensor mask, OnnxTensor types) {
        List<String> names = new ArrayList<>(session.getInputNames());
        java.util.HashMap<String, OnnxTensor> in = new java.util.HashMap<>();
        for (String n : names) {
            if (n.contains("mask")) in.put(n, mask);
            else if (n.contains("type")) in.put(n, types);
            else in.put(n, ids);
        }
        return in;
    }

    /** Seconds per run, averaged over as many runs as fit in about {@code seconds}. */
    private static double timeRound(Runnable work, double seconds) {
        long start = System.nanoTime(), deadline = start + (long) (seconds * 1e9);
        int runs = 0;
        long now;
        do {
            work.run();
            runs++;
            now = System.nanoTime();
        } while (now < deadline);
        return (now - start) / 1e9 / runs;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
