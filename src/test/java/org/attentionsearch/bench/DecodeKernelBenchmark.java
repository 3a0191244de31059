package org.attentionsearch.bench;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.HalfMatrix;
import org.attentionsearch.math.Int4Matrix;
import org.attentionsearch.math.Int8Matrix;
import org.attentionsearch.math.PackedMatrix;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.math.QuantizedMatrix;
import org.attentionsearch.math.WeightMatrix;
import org.attentionsearch.testing.RandomBlocks;
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
import org.openjdk.jmh.runner.options.TimeValue;

/**
 * The decoding step's kernel, matrix × vector, on SmolLM2-135M's shapes (576 → 1536, 1536 → 576,
 * and its LM head 576 → 50,257) for F32 weights (packed) and F16, BF16, Q8_0, Q4_0, Q4_K and Q6_K
 * weights read in place from a memory-mapped file, in GB/s of weight bytes read and GFLOP/s
 * (2·k·n per call; the K-quants' rows are rounded up to whole blocks of 256, 576 to 768); and a
 * STREAM-like triad (a = b + s·c over 3 × 64 MB, 24 bytes an element) as the machine's bandwidth
 * to hold them against. Every parameter set runs in a JVM of its own, so one kind of memory
 * segment feeds the quantized kernel (mixing kinds in one JVM slows it several times over).
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec -Dbench.main=org.attentionsearch.bench.DecodeKernelBenchmark}
 * ({@code -Dthreads=1} for one thread; {@code -Dshapes=576x50257 -Dformats=Q8_0 -Dstorage=mapped,native,array} for some
 * lines, native being the quantized blocks copied into the process's own memory, array the form the model keeps F16,
 * Q8_0, Q4_0, Q4_K and Q6_K in; int8 and nibbles the forms {@link Int8Matrix} and {@link Int4Matrix} for a format they hold).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseG1GC", "-Xmx2g"})
public class DecodeKernelBenchmark {

    private static final int TRIAD = 16 << 20; // floats per array: 64 MB

    @Param({"576x1536", "1536x576", "576x50257"})
    public String shape;

    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"})
    public String format;

    @Param({"2"})
    public int threads;

    /**
     * Where quantized blocks lie: a memory-mapped file (as a GGUF is read), native memory of the
     * process's own, Java arrays as the model keeps F16 ({@link HalfMatrix}), Q8_0, Q4_0 and Q6_K
     * ({@link Int8Matrix}) and Q4_K ({@link Int4Matrix}), or one of those two last forms by name: int8, nibbles.
     */
    @Param({"mapped"})
    public String storage;

    private float[] x, y;
    private WeightMatrix w;
    private long weightBytes;

    /** The triad's three arrays, made only in the triad's own JVM. */
    @State(Scope.Benchmark)
    public static class Triad {
        float[] a, b, c;

        @Setup
        public void setUp() {
            a = new float[TRIAD];
            b = new float[TRIAD];
            c = new float[TRIAD];
            java.util.Arrays.fill(b, 1f);
            java.util.Arrays.fill(c, 2f);
        }
    }

    @Setup
    public void setUp() throws IOException {
        String[] kn = shape.split("x");
        int k = rowLength(format, Integer.parseInt(kn[0])), n = Integer.parseInt(kn[1]);
        Random random = new Random(1);
        x = new float[k];
        for (int i = 0; i < k; i++) x[i] = random.nextFloat() - 0.5f;
        y = new float[n];
        if (format.equals("none")) return; // the triad's run
        if (format.equals("F32")) {
            float[] weights = new float[k * n];
            for (int i = 0; i < weights.length; i++) weights[i] = random.nextFloat() - 0.5f;
            w = PackedMatrix.pack(weights, k, n);
            weightBytes = 4L * k * n;
        } else {
            QuantizedMatrix.Format f = QuantizedMatrix.Format.valueOf(format);
            byte[] bytes = RandomBlocks.rows(f, random, n, k, 0);
            Path file = Files.createTempFile("decode-kernel", ".bin");
            file.toFile().deleteOnExit();
            Files.write(file, bytes);
            MemorySegment mapped;
            try (FileChannel channel = FileChannel.open(file)) {
                mapped = channel.map(FileChannel.MapMode.READ_ONLY, 0, bytes.length, Arena.ofAuto());
            }
            if (storage.equals("native")) {
                MemorySegment copy = Arena.ofAuto().allocate(bytes.length, 64);
                copy.copyFrom(mapped);
                mapped = copy;
            }
            QuantizedMatrix blocks = QuantizedMatrix.contiguous(f, mapped, 0, n, k);
            w = switch (storage) {
                case "mapped", "native" -> blocks;
                case "int8" -> Int8Matrix.of(blocks);
                case "nibbles" -> Int4Matrix.of(blocks);
                default -> switch (f) { // "array"
                    case F16 -> HalfMatrix.of(blocks);
                    case Q8_0, Q4_0, Q6_K -> Int8Matrix.of(blocks);
                    case Q4_K -> Int4Matrix.of(blocks);
                    default -> throw new IllegalArgumentException("no array form for " + f);
                };
            };
            weightBytes = bytes.length;
        }
        Parallel.setThreads(threads);
    }

    /** k, or for a format whose blocks it does not fill, the next whole number of blocks. */
    private static int rowLength(String format, int k) {
        if (format.equals("F32") || format.equals("none")) return k;
        int block = QuantizedMatrix.Format.valueOf(format).blockValues();
        return (k + block - 1) / block * block;
    }

    @Benchmark
    public float[] matrixTimesVector() {
        w.multiply(x, 1, null, Epilogue.NONE, null, y, null);
        return y;
    }

    @Benchmark
    public float[] triad(Triad t) {
        float s = 3f;
        float[] a = t.a, b = t.b, c = t.c;
        Parallel.forRange(TRIAD, 4096, (from, to) -> {
            for (int i = from; i < to; i++) a[i] = b[i] + s * c[i];
        });
        return a;
    }

    public static void main(String[] args) throws Exception {
        String threads = System.getProperty("threads", "2");
        var matrixOptions = new OptionsBuilder().include(DecodeKernelBenchmark.class.getName() + ".matrixTimesVector")
                .param("threads", threads);
        String storage = System.getProperty("storage", "");
        if (!storage.isEmpty()) matrixOptions.param("storage", storage.split(","));
        String shapes = System.getProperty("shapes", "");
        if (!shapes.isEmpty()) matrixOptions.param("shape", shapes.split(","));
        String formats = System.getProperty("formats", "");
        if (!formats.isEmpty()) matrixOptions.param("format", formats.split(","));
        if (Boolean.getBoolean("smoke")) { // -Dsmoke=true: one warm-up and one measurement per line, to see that every line runs
            matrixOptions.warmupIterations(Integer.getInteger("warmups", 1)).measurementIterations(1).measurementTime(TimeValue.seconds(1));
        }
        var matrix = matrixOptions.build();
        var triad = new OptionsBuilder().include(DecodeKernelBenchmark.class.getName() + ".triad")
                .param("threads", threads).param("shape", "576x1536").param("format", "none").build();
        for (RunResult r : Boolean.getBoolean("smoke") ? java.util.List.<RunResult>of() : new Runner(triad).run()) {
            System.out.printf(Locale.ROOT, "{\"kernel\":\"triad\",\"threads\":%s,\"gbps\":%.1f}%n",
                    r.getParams().getParam("threads"), 24.0 * TRIAD * r.getPrimaryResult().getScore() / 1e9);
        }
        for (RunResult r : new Runner(matrix).run()) {
            var p = r.getParams();
            String[] kn = p.getParam("shape").split("x");
            String f = p.getParam("format");
            int k = rowLength(f, Integer.parseInt(kn[0])), n = Integer.parseInt(kn[1]);
            double bytes = f.equals("F32") ? 4.0 * k * n : QuantizedMatrix.Format.valueOf(f).rowBytes(k) * (double) n;
            double calls = r.getPrimaryResult().getScore();
            System.out.printf(Locale.ROOT, "{\"kernel\":\"matrix×vector\",\"format\":\"%s\",\"storage\":\"%s\",\"k\":%d,\"n\":%d,\"threads\":%s,"
                    + "\"gbps\":%.1f,\"gflops\":%.1f,\"us_per_call\":%.1f}%n", f, p.getParam("storage"), k, n, p.getParam("threads"),
                    bytes * calls / 1e9, 2.0 * k * n * calls / 1e9, 1e6 / calls);
        }
    }
}
