package org.attentionsearch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.KeyValueCache;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Output;
import org.attentionsearch.testing.BenchmarkDecoders;
import org.attentionsearch.testing.LlamaCpp;
import org.attentionsearch.weights.GgmlType;

/**
 * Resident memory of each engine in a process of its own, on the same GGUF file and context:
 * a JVM that loads the model, reads a 16-token prompt and generates 128 tokens (ours through
 * {@code Model.forward} on a key/value cache and the LM head, as generation does; llama.cpp
 * through libllama in a 512-token context, memory-mapped, its default F16 cache), then reports
 * its peak resident set (VmHWM) and its resident set at the end (VmRSS). Both processes run in
 * a JVM with the launcher's options, so a third process that only starts the JVM gives the
 * share of each figure that is the JVM itself, and ours runs a second time with a collector chosen
 * for a small resident set ({@code ours_lean_peak_mb}), and a third with that collector and a
 * half-precision cache as llama.cpp's ({@code ours_lean_f16_cache_peak_mb}). One JSON line per
 * model and weight type.
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec
 * -Dbench.main=org.attentionsearch.bench.DecoderMemory} with {@code -Dmodels=…} and
 * {@code -Dweights=F32,Q8_0} to choose (BF16, Q4_0, Q4_K and Q6_K when named), and {@code -Dlean="…"} for the lean run's JVM options.
 */
public final class DecoderMemory {

    private static final Path MODELS = Path.of("target", "bench-models");
    private static final int PROMPT = 16, STEPS = 128, CONTEXT = 512;

    private DecoderMemory() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 2) {
            probe(args[0], Path.of(args[1]));
            return;
        }
        for (BenchmarkDecoders decoder : BenchmarkDecoders.values()) {
            if (!chosen("models", decoder.label())) continue;
            String weights = System.getProperty("weights", "all").trim();
            List<GgmlType> offered = weights.isEmpty() || weights.equals("all") ? List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0)
                    : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K);
            for (GgmlType type : offered) {
                if (!chosen("weights", type.name())) continue;
                decoder.write(MODELS, type);
                Path file = decoder.file(MODELS, type);
                long[] jvm = child("jvm", file, LAUNCHER_GC), ours = child("ours", file, LAUNCHER_GC);
                long[] lean = child("ours", file, LEAN_GC), leanHalves = child("ours-f16-cache", file, LEAN_GC);
                long[] llama = child("llama", file, LAUNCHER_GC);
                System.out.printf(Locale.ROOT,
                        "{\"memory\":\"separate processes\",\"model\":\"%s\",\"weights\":\"%s\",\"file_mb\":%.0f,\"context\":%d,"
                                + "\"ours_peak_mb\":%.0f,\"ours_end_mb\":%.0f,\"ours_lean_peak_mb\":%.0f,\"ours_lean_f16_cache_peak_mb\":%.0f,"
                                + "\"llama_peak_mb\":%.0f,\"llama_end_mb\":%.0f,\"jvm_alone_peak_mb\":%.0f,"
                                + "\"peak_ratio\":%.3f,\"lean_peak_ratio\":%.3f,\"lean_f16_cache_peak_ratio\":%.3f}%n",
                        decoder.label(), type, Files.size(file) / 1e6, CONTEXT, ours[0] / 1e6, ours[1] / 1e6, lean[0] / 1e6,
                        leanHalves[0] / 1e6, llama[0] / 1e6, llama[1] / 1e6, jvm[0] / 1e6, (double) ours[0] / llama[0],
                        (double) lean[0] / llama[0], (double) leanHalves[0] / llama[0]);
            }
        }
    }

    /** The launcher's collector: G1 with 1 MB regions. */
    private static final List<String> LAUNCHER_GC = List.of("-XX:+UseG1GC", "-XX:G1HeapRegionSize=1m");
    /**
     * A collector for a small resident set, the launcher's for {@code generate}: the serial
     * collector with a 16 MB young generation (the parallel collector with the same young
     * generation peaks about 17 MB higher). G1 spreads a decoding run's short-lived arrays over
     * ever more regions and keeps them resident (about 650 MB however small its young generation).
     */
    private static final List<String> LEAN_GC = List.of((System.getProperty("lean", "").isBlank()
            ? "-XX:+UseSerialGC -Xmn16m" : System.getProperty("lean")).trim().split("\\s+"));

    /** The launcher's pages: the heap in 2 MB pages where the kernel allows it (madvise). */
    private static final String PAGES = "-XX:+UseTransparentHugePages";

    /** Runs one probe in a JVM of its own with the launcher's options and the given collector; its peak and final resident bytes. */
    private static long[] child(String engine, Path file, List<String> gc) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"));
        command.addAll(gc);
        command.addAll(List.of(PAGES, "-XX:MaxRAMPercentage=75",
                "-Dthreads=" + Integer.getInteger("threads", 2), "-Dfixtures.dir=" + System.getProperty("fixtures.dir", "target/fixtures"),
                "-cp", System.getProperty("java.class.path"), DecoderMemory.class.getName(), engine, file.toString()));
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        if (p.waitFor() != 0 || !out.matches("\\d+ \\d+")) throw new IllegalStateException(engine + " probe failed: " + out);
        return Arrays.stream(out.split(" ")).mapToLong(Long::parseLong).toArray();
    }

    /** In the child: load, read the prompt, generate, and print "peak end" in bytes. */
    private static void probe(String engine, Path file) throws IOException {
        int threads = Integer.getInteger("threads", 2);
        int[] prompt = new int[PROMPT];
        for (int i = 0; i < PROMPT; i++) prompt[i] = 100 + 37 * i;
        switch (engine) {
            case "ours", "ours-f16-cache" -> {
                Parallel.setThreads(threads);
                Model model = Model.load(file);
                KeyValueCache cache = new KeyValueCache(model.config(),
                        engine.equals("ours") ? KeyValueCache.Precision.F32 : KeyValueCache.Precision.F16);
                cache.reserve(PROMPT + STEPS); // as generation does
                Output out = model.forward(prompt, cache, false);
                int h = model.config().hiddenSize();
                for (int s = 0; s < STEPS; s++) {
                    float[] logits = model.head().logits(Arrays.copyOfRange(out.hidden(), out.hidden().length - h, out.hidden().length), 1);
                    out = model.forward(new int[] {argmax(logits)}, cache, false);
                }
            }
            case "llama" -> {
                try (LlamaCpp.Model model = LlamaCpp.load(file);
                     LlamaCpp.Session session = LlamaCpp.session(model, CONTEXT, CONTEXT, threads, false)) {
                    session.decode(prompt);
                    for (int s = 0; s < STEPS; s++) session.decode(new int[] {session.argmaxLast()});
                    System.out.println(status("VmHWM") + " " + status("VmRSS"));
                    return;
                }
            }
            case "jvm" -> {
            }
            default -> throw new IllegalArgumentException(engine);
        }
        System.out.println(status("VmHWM") + " " + status("VmRSS"));
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }

    /** A /proc/self/status figure in bytes. */
    private static long status(String key) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith(key + ":")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        throw new IllegalStateException("no " + key + " in /proc/self/status");
    }

    private static boolean chosen(String property, String name) {
        String list = System.getProperty(property, "");
        return list.isBlank() || list.equals("all") || Arrays.stream(list.split(",")).map(String::trim).anyMatch(name::equalsIgnoreCase);
    }
}
