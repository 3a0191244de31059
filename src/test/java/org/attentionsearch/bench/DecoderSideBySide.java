package org.attentionsearch.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.DoubleSupplier;

import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.KeyValueCache;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Output;
import org.attentionsearch.model.Sampler;
import org.attentionsearch.testing.BenchmarkDecoders;
import org.attentionsearch.testing.LlamaCpp;
import org.attentionsearch.weights.GgmlType;

/**
 * Our decoder and llama.cpp side by side on the same GGUF file, in one process, on the same
 * token ids and the same thread count: one JSON line per workload with both throughputs and
 * their ratio (medians of rounds that alternate ours, llama.cpp with flash attention off, with
 * it on; llama.cpp goes first in every other round), and the median of each round's own ratio
 * ({@code paired_ratio}). The models are {@link BenchmarkDecoders}: SmolLM2-135M's and Qwen2.5-0.5B's shapes
 * with random weights, written once into target/bench-models in each weight type measured.
 *
 * <p>Workloads, as llama-bench names them: {@code pp512}, a 512-token prompt in one pass;
 * {@code tg128}, 128 tokens one at a time after a 16-token prompt; {@code tg64@1024}, 64 tokens
 * after a 1,024-token prompt. A generated token is the previous step's greedy choice in both
 * engines; only the steps are timed (the prompts of tg are read untimed). Ours runs
 * {@code Model.forward} on a {@link KeyValueCache} plus the LM head on the last row, as
 * generation does; llama.cpp runs llama_decode in a context kept open with its default F16
 * KV cache.
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec
 * -Dbench.main=org.attentionsearch.bench.DecoderSideBySide} with {@code -Dthreads=2,1},
 * {@code -Dmodels=smollm2-135m,qwen2.5-0.5b}, {@code -Dweights=F32,F16,Q8_0} (all, the default, is these three;
 * BF16, Q4_0, Q4_K and Q6_K are there when named, each read in place in its file's type; the K-quants' rows of 576
 * or 896 values do not fill their blocks of 256, so those matrices fall back to F16 in the file, as
 * convert_hf_to_gguf.py would write them),
 * {@code -Donly=pp512,tg128,tg64@1024}, {@code -Drounds=3} and our caches, {@code -Dkv=f32} (the default),
 * {@code f16} (as llama.cpp's) or both, {@code f32,f16} (a line for each, timed in the same rounds), to choose.
 */
public final class DecoderSideBySide {

    private static final Path MODELS = Path.of("target", "bench-models");

    /** A workload: a prompt read in one pass, then {@code steps} tokens one at a time (0 for a prompt-only workload). */
    private record Workload(String name, int prompt, int steps) {
        boolean promptOnly() {
            return steps == 0;
        }

        /** Tokens timed per run. */
        int timedTokens() {
            return promptOnly() ? prompt : steps;
        }

        /** The llama.cpp context length it needs, in ggml's steps of 256. */
        int contextLength() {
            return (prompt + steps + 255) / 256 * 256;
        }
    }

    private static final List<Workload> WORKLOADS = List.of(
            new Workload("pp512", 512, 0), new Workload("tg128", 16, 128), new Workload("tg64@1024", 1024, 64));

    private static int sink; // keeps every chosen id live

    /** Our key/value caches ({@code -Dkv=f32,f16}), each timed in every round: float32 by default, as generation's; llama.cpp's is its default F16. */
    private static final List<KeyValueCache.Precision> KV = Arrays.stream(System.getProperty("kv", "f32").split(","))
            .map(k -> KeyValueCache.Precision.valueOf(k.trim().toUpperCase(Locale.ROOT))).toList();

    /**
     * Memory, in one process: ours as the heap in use after a full collection with the model
     * loaded (and the resident set's growth over loading it, which also counts the heap the JVM
     * grew to and the file's pages read through the map); llama.cpp's as the resident set's growth
     * over loading the file (memory-mapped) and decoding 16 tokens in a 256-token context.
     */
    public static void main(String[] args) throws IOException {
        int[] threadCounts = Arrays.stream(System.getProperty("threads", "2").split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        List<BenchmarkDecoders> models = Arrays.stream(BenchmarkDecoders.values())
                .filter(m -> chosen("models", m.label())).toList();
        String weights = System.getProperty("weights", "all").trim();
        List<GgmlType> offered = weights.isEmpty() || weights.equals("all") ? List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0) // the README's
                : List.of(GgmlType.F32, GgmlType.F16, GgmlType.BF16, GgmlType.Q8_0, GgmlType.Q4_0, GgmlType.Q4_K, GgmlType.Q6_K);
        List<GgmlType> types = offered.stream().filter(t -> chosen("weights", t.name())).toList();
        List<Workload> workloads = WORKLOADS.stream().filter(w -> chosen("only", w.name())).toList();
        int rounds = Integer.getInteger("rounds", 3);

        for (BenchmarkDecoders decoder : models) {
            long t0 = System.nanoTime();
            decoder.write(MODELS, types.toArray(GgmlType[]::new));
            System.err.printf(Locale.ROOT, "%s files ready in %.0f s%n", decoder.label(), (System.nanoTime() - t0) / 1e9);
            for (GgmlType type : types) {
                Path file = decoder.file(MODELS, type);
                long rssBefore = residentBytes();
                Model ours = Model.load(file);
                long oursHeap = heapAfterCollection();
                long rssOurs = residentBytes();
                try (LlamaCpp.Model llama = LlamaCpp.load(file)) {
                    Random random = new Random(17);
                    int[] prompt = prompt(decoder, 16, random);
                    try (LlamaCpp.Session first = LlamaCpp.session(llama, 256, 512, threadCounts[0], false)) {
                        first.decode(prompt); // its weights paged in, a context's buffers allocated
                    }
                    long rssLlama = residentBytes();
                    sanity(decoder, type, ours, llama, prompt, threadCounts[0]);
                    System.out.printf(Locale.ROOT,
                            "{\"memory\":\"loaded\",\"model\":\"%s\",\"weights\":\"%s\",\"file_mb\":%.0f,\"ours_heap_mb\":%.0f,\"ours_rss_growth_mb\":%.0f,\"llama_rss_growth_mb\":%.0f}%n",
                            decoder.label(), type, Files.size(file) / 1e6, oursHeap / 1e6, (rssOurs - rssBefore) / 1e6, (rssLlama - rssOurs) / 1e6);
                    for (int threads : threadCounts) {
                        Parallel.setThreads(threads);
                        warmUp(decoder, ours, llama, threads);
                        for (Workload w : workloads) run(decoder, type, ours, llama, w, threads, rounds, random);
                    }
                }
                ours = null;
                heapAfterCollection();
            }
        }
    }

    /** Ours, llama.cpp without and with flash attention, alternating; medians printed as one line. */
    private static void run(BenchmarkDecoders decoder, GgmlType type, Model ours, LlamaCpp.Model llama, Workload w,
                            int threads, int rounds, Random random) {
        int[] prompt = prompt(decoder, w.prompt(), random);
        int batch = Math.max(512, w.prompt());
        double[][] o = new double[KV.size()][rounds], head = new double[KV.size()][rounds];
        double[] off = new double[rounds], on = new double[rounds];
        try (LlamaCpp.Session plain = LlamaCpp.session(llama, w.contextLength(), batch, threads, false);
             LlamaCpp.Session flash = LlamaCpp.session(llama, w.contextLength(), batch, threads, true)) {
            for (int r = 0; r < rounds; r++) {
                boolean llamaFirst = r % 2 == 1; // each engine goes first in half the rounds
                if (llamaFirst) {
                    off[r] = w.promptOnly() ? llamaPrompt(plain, prompt) : llamaSteps(plain, prompt, w.steps());
                    on[r] = w.promptOnly() ? llamaPrompt(flash, prompt) : llamaSteps(flash, prompt, w.steps());
                }
                StringBuilder ourRates = new StringBuilder();
                for (int k = 0; k < KV.size(); k++) {
                    double[] headSeconds = new double[1];
                    o[k][r] = w.promptOnly() ? oursPrompt(ours, prompt, KV.get(k)) : oursSteps(ours, prompt, w.steps(), headSeconds, KV.get(k));
                    head[k][r] = headSeconds[0] / w.timedTokens();
                    ourRates.append(String.format(Locale.ROOT, "ours (%s cache) %.1f, ", KV.get(k), o[k][r]));
                }
                if (!llamaFirst) {
                    off[r] = w.promptOnly() ? llamaPrompt(plain, prompt) : llamaSteps(plain, prompt, w.steps());
                    on[r] = w.promptOnly() ? llamaPrompt(flash, prompt) : llamaSteps(flash, prompt, w.steps());
                }
                System.err.printf(Locale.ROOT, "  %s %s %s t%d round %d: %sllama fa off %.1f, on %.1f tokens/s%n",
                        decoder.label(), type, w.name(), threads, r, ourRates, off[r], on[r]);
            }
        }
        for (int k = 0; k < KV.size(); k++) line(decoder, type, w, threads, rounds, KV.get(k), o[k], head[k], off, on);
    }

    private static void line(BenchmarkDecoders decoder, GgmlType type, Workload w, int threads, int rounds, KeyValueCache.Precision kv,
                             double[] o, double[] head, double[] off, double[] on) {
        double ourRate = median(o), offRate = median(off), onRate = median(on), best = Math.max(offRate, onRate);
        // Each round's own ratio against llama.cpp's better setting in that round: the machine's
        // slow drift cancels within a round, which medians taken apart do not see.
        double[] paired = new double[o.length];
        for (int r = 0; r < o.length; r++) paired[r] = o[r] / Math.max(off[r], on[r]);
        String headPart = w.promptOnly() ? "" : String.format(Locale.ROOT, ",\"ours_lm_head_ms_per_token\":%.2f", 1000 * median(head));
        System.out.printf(Locale.ROOT,
                "{\"workload\":\"%s\",\"model\":\"%s\",\"weights\":\"%s\",\"threads\":%d,\"ours_kv\":\"%s\",\"ours_tps\":%.1f,\"llama_tps\":%.1f,\"llama_fa_off_tps\":%.1f,\"llama_fa_on_tps\":%.1f,\"ratio\":%.3f,\"paired_ratio\":%.3f%s,\"rounds\":%d}%n",
                w.name(), decoder.label(), type, threads, kv.name().toLowerCase(Locale.ROOT), ourRate, best, offRate, onRate, ourRate / best,
                median(paired), headPart, rounds);
    }

    /** A few short runs of each engine, so neither is timed cold (JIT, first allocations, page faults). */
    private static void warmUp(BenchmarkDecoders decoder, Model ours, LlamaCpp.Model llama, int threads) {
        Random random = new Random(3);
        int[] prompt = prompt(decoder, 128, random);
        try (LlamaCpp.Session plain = LlamaCpp.session(llama, 256, 512, threads, false);
             LlamaCpp.Session flash = LlamaCpp.session(llama, 256, 512, threads, true)) {
            for (int i = 0; i < 2; i++) {
                for (KeyValueCache.Precision kv : KV) oursPrompt(ours, prompt, kv);
                // Enough steps for C2 to have compiled every decoding kernel: with 16, a run's first
                // workload still timed one or two rounds of partly compiled code on one thread.
                for (KeyValueCache.Precision kv : KV) oursSteps(ours, Arrays.copyOf(prompt, 16), 96, new double[1], kv);
                for (LlamaCpp.Session s : List.of(plain, flash)) {
                    llamaPrompt(s, prompt);
                    llamaSteps(s, Arrays.copyOf(prompt, 16), 16);
                }
            }
        }
    }

    /**
     * That both engines do the same work: greedy ids over 8 steps after the prompt, ours against
     * llama.cpp's in its exact setting (F32 KV cache, flash attention off), and how far apart the
     * first step's logits are. On a Q8_0 file llama.cpp also rounds the activations to 8 bits
     * before each product, so a near tie may part the ids there.
     */
    private static void sanity(BenchmarkDecoders decoder, GgmlType type, Model ours, LlamaCpp.Model llama, int[] prompt, int threads) {
        Parallel.setThreads(threads);
        int steps = 8;
        int[] mine = new int[steps];
        KeyValueCache cache = new KeyValueCache(ours.config());
        float[] first = lastLogits(ours, ours.forward(prompt, cache, false));
        mine[0] = Sampler.argmax(first, 0, first.length);
        for (int s = 1; s < steps; s++) {
            float[] logits = lastLogits(ours, ours.forward(new int[] {mine[s - 1]}, cache, false));
            mine[s] = Sampler.argmax(logits, 0, logits.length);
        }
        LlamaCpp.Greedy theirs = LlamaCpp.greedy(llama, prompt, steps, threads);
        float[] reference = theirs.logits().getFirst();
        double maxDiff = 0, maxAbs = 0;
        for (int t = 0; t < reference.length; t++) {
            maxDiff = Math.max(maxDiff, Math.abs(reference[t] - first[t]));
            maxAbs = Math.max(maxAbs, Math.abs(reference[t]));
        }
        System.out.printf(Locale.ROOT,
                "{\"check\":\"greedy\",\"model\":\"%s\",\"weights\":\"%s\",\"steps\":%d,\"equal\":%b,\"ours\":%s,\"llama\":%s,\"first_logits_max_abs_diff\":%.2g,\"first_logits_max_abs\":%.3g}%n",
                decoder.label(), type, steps, Arrays.equals(mine, theirs.ids()), Arrays.toString(mine).replace(" ", ""),
                Arrays.toString(theirs.ids()).replace(" ", ""), maxDiff, maxAbs);
    }

    // ---- one run of each engine, tokens per second

    private static double oursPrompt(Model model, int[] prompt, KeyValueCache.Precision kv) {
        long t0 = System.nanoTime();
        float[] logits = lastLogits(model, model.forward(prompt, new KeyValueCache(model.config(), kv), false));
        sink += Sampler.argmax(logits, 0, logits.length);
        return prompt.length / ((System.nanoTime() - t0) / 1e9);
    }

    /** {@code steps} single-token passes after the prompt; {@code headSeconds[0]} gets the LM head's and argmax's share. */
    private static double oursSteps(Model model, int[] prompt, int steps, double[] headSeconds, KeyValueCache.Precision kv) {
        KeyValueCache cache = new KeyValueCache(model.config(), kv);
        cache.reserve(prompt.length + steps); // as generation does
        float[] logits = lastLogits(model, model.forward(prompt, cache, false));
        int id = Sampler.argmax(logits, 0, logits.length);
        long head = 0, t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            Output out = model.forward(new int[] {id}, cache, false);
            long h0 = System.nanoTime();
            logits = lastLogits(model, out);
            id = Sampler.argmax(logits, 0, logits.length);
            head += System.nanoTime() - h0;
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        sink += id;
        headSeconds[0] = head / 1e9;
        return steps / seconds;
    }

    private static double llamaPrompt(LlamaCpp.Session session, int[] prompt) {
        session.clear();
        long t0 = System.nanoTime();
        session.decode(prompt);
        sink += session.argmaxLast();
        return prompt.length / ((System.nanoTime() - t0) / 1e9);
    }

    private static double llamaSteps(LlamaCpp.Session session, int[] prompt, int steps) {
        session.clear();
        session.decode(prompt);
        int id = session.argmaxLast();
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            session.decode(new int[] {id});
            id = session.argmaxLast();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        sink += id;
        return steps / seconds;
    }

    /** The last row's logits: the final-normed hidden state through the LM head, as generation reads them. */
    private static float[] lastLogits(Model model, Output out) {
        int h = model.config().hiddenSize(), rows = out.batch().rows();
        return model.head().logits(Arrays.copyOfRange(out.hidden(), (rows - 1) * h, rows * h), 1);
    }

    /** Random ordinary tokens (no special ones, which a vocabulary may treat apart). */
    private static int[] prompt(BenchmarkDecoders decoder, int length, Random random) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) ids[i] = random.nextInt(decoder.ordinaryTokens());
        return ids;
    }

    // ---- measuring

    private static boolean chosen(String property, String name) {
        String value = System.getProperty(property, "all").trim();
        if (value.isEmpty() || value.equals("all")) return true;
        return Arrays.stream(value.split(",")).map(String::trim).anyMatch(name::equalsIgnoreCase);
    }

    /** Heap in use after a full collection: what the loaded model holds. */
    private static long heapAfterCollection() {
        System.gc();
        System.gc();
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** This process's resident set (VmRSS), or 0 where /proc is not there. */
    private static long residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
            }
        } catch (IOException | NumberFormatException e) {
            // not Linux: no resident figure
        }
        return 0;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
