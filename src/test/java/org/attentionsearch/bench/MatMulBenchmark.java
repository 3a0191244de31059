package org.attentionsearch.bench;

import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.MatMul;
import org.attentionsearch.math.PackedMatrix;
import org.attentionsearch.math.Parallel;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * The packed matrix multiply on the model's shapes (hidden 384, feed-forward 1536), in
 * GFLOP/s = 2·rows·k·n per call, so its distance to the machine's peak is visible.
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec -Dbench.main=org.attentionsearch.bench.MatMulBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC"})
public class MatMulBenchmark {

    @Param({"384x384", "384x1536", "1536x384"})
    public String shape;

    @Param({"128", "512", "4096"})
    public int rows;

    @Param({"2"})
    public int threads;

    private float[] a, bias, c;
    private PackedMatrix w;

    @Setup
    public void setUp() {
        String[] kn = shape.split("x");
        int k = Integer.parseInt(kn[0]), n = Integer.parseInt(kn[1]);
        Random random = new Random(1);
        a = new float[rows * k];
        float[] weights = new float[k * n];
        bias = new float[n];
        for (int i = 0; i < a.length; i++) a[i] = random.nextFloat() - 0.5f;
        for (int i = 0; i < weights.length; i++) weights[i] = random.nextFloat() - 0.5f;
        w = PackedMatrix.pack(weights, k, n);
        c = new float[rows * n];
        Parallel.setThreads(threads);
    }

    @Benchmark
    public float[] multiply() {
        MatMul.multiply(a, rows, w, bias, Epilogue.NONE, null, c);
        return c;
    }

    public static void main(String[] args) throws Exception {
        String threads = System.getProperty("threads", "2");
        var options = new OptionsBuilder().include(MatMulBenchmark.class.getName()).param("threads", threads).build();
        System.out.println("{\"kernel\":\"MatMul.multiply\",\"note\":\"GFLOP/s = 2*rows*k*n per call\"}");
        for (RunResult r : new Runner(options).run()) {
            var p = r.getParams();
            String[] kn = p.getParam("shape").split("x");
            double flops = 2.0 * Integer.parseInt(p.getParam("rows")) * Integer.parseInt(kn[0]) * Integer.parseInt(kn[1]);
            double callsPerSecond = r.getPrimaryResult().getScore();
            System.out.printf(Locale.ROOT, "{\"rows\":%s,\"k\":%s,\"n\":%s,\"threads\":%s,\"gflops\":%.1f}%n",
                    p.getParam("rows"), kn[0], kn[1], p.getParam("threads"), flops * callsPerSecond / 1e9);
        }
    }
}
