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
import org.attentionsearch.model.Bert;
import org.attentionsearch.model.Encoder;
import org.attentionsearch.testing.TestModels;

/**
 * Our encoder and ONNX Runtime side by side, in one process, on the same token ids and the
 * same thread count: one JSON line per workload with both throughputs and their ratio
 * (median of several alternating rounds, after warm-up).
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec} (add {@code -Dthreads=1} for one thread).
 */
public final class SideBySide {

    private static final int[][] WORKLOADS = {{1, 16}, {1, 128}, {32, 128}, {8, 512}};
    private static final int ROUNDS = 7;
    private static final double ROUND_SECONDS = 0.6;

    public static void main(String[] args) throws Exception {
        int threads = Integer.getInteger("threads", Runtime.getRuntime().availableProcessors());
        Parallel.setThreads(threads);
        Bert bert = Bert.embedded();
        Encoder encoder = bert.encoder();

        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        options.setIntraOpNumThreads(threads);
        options.setInterOpNumThreads(1);
        options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
        try (OrtSession session = env.createSession(TestModels.MINILM.onnxBytes(), options)) {
            for (int[] w : WORKLOADS) {
                int batchSize = w[0], length = w[1];
                int[][] ids = randomIds(bert, batchSize, length, new Random(42 + batchSize * 1000L + length));
                Batch batch = new Batch(Arrays.asList(ids), null);
                Runnable ours = () -> encoder.forward(batch, false);
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
    }

    /** [CLS] + random word pieces + [SEP], every sequence exactly {@code length} long. */
    static int[][] randomIds(Bert bert, int batch, int length, Random random) {
        int[][] ids = new int[batch][length];
        int cls = bert.tokenizer().clsId(), sep = bert.tokenizer().sepId();
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
