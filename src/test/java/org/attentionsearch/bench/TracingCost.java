package org.attentionsearch.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.ModelType;
import org.attentionsearch.model.Rope;
import org.attentionsearch.search.Generation;
import org.attentionsearch.search.View;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.text.Encoding;

/**
 * What a results page for every token costs: on a SmolLM2-135M-shaped decoder with random
 * weights (hidden 576, 30 layers, 9 heads over 3 key/value heads, FFN 1536, vocabulary 49,152,
 * tied), greedy generation of 128 tokens after 16 with and without a page per token (the
 * value-weighted blend of the middle layer, the default of {@code generate --json}), and a
 * 512-token prompt pass traced and plain. Rounds alternate; medians; one JSON line per workload.
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec -Dbench.main=org.attentionsearch.bench.TracingCost}.
 */
public final class TracingCost {

    private static final int ROUNDS = 5;

    public static void main(String[] args) {
        Parallel.setThreads(Integer.getInteger("threads", Runtime.getRuntime().availableProcessors()));
        ModelConfig c = ModelConfig.llama(ModelType.LLAMA, 49_152, 576, 30, 9, 3, 64, 1536, 8192, 1e-5f,
                Rope.plain(100_000, 64), false, false, true, 0);
        Model model = Model.load(RandomDecoders.checkpoint(c, 1));
        Random random = new Random(7);
        Encoding prompt = encoding(random, 16), longPrompt = encoding(random, 512);
        View page = new View.ValueBlend((c.layers() - 1) / 2);

        double[] plain = new double[ROUNDS], paged = new double[ROUNDS], pass = new double[ROUNDS], traced = new double[ROUNDS];
        for (int round = -1; round < ROUNDS; round++) { // round −1 warms up
            double a = generate(model, prompt, null), b = generate(model, prompt, page);
            double x = seconds(() -> model.forward(List.of(longPrompt), false)), y = seconds(() -> model.forward(List.of(longPrompt), true));
            if (round < 0) continue;
            plain[round] = a;
            paged[round] = b;
            pass[round] = x;
            traced[round] = y;
        }
        line("tg128-pages", 128 / median(plain), 128 / median(paged));
        line("pp512-trace", 512 / median(pass), 512 / median(traced));
    }

    /** Seconds to generate 128 tokens greedily, the prompt's pass not counted. */
    private static double generate(Model model, Encoding prompt, View view) {
        Generation.Settings s = Generation.Settings.greedy(128).withView(view);
        Generation g = Generation.of(model, "", prompt, new Generation.Settings(s.maxTokens(), s.sampling(), null, view, 10, 0));
        g.stream().forEach(step -> { });
        return g.ids().length / g.tokensPerSecond();
    }

    private static double seconds(Runnable r) {
        long t0 = System.nanoTime();
        r.run();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static void line(String workload, double plainPerSecond, double tracedPerSecond) {
        System.out.printf(Locale.ROOT, "{\"workload\":\"%s\",\"threads\":%d,\"plain_tps\":%.1f,\"traced_tps\":%.1f,\"cost\":%.3f}%n",
                workload, Parallel.threads(), plainPerSecond, tracedPerSecond, plainPerSecond / tracedPerSecond - 1);
    }

    private static double median(double[] x) {
        double[] s = x.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }

    private static Encoding encoding(Random random, int n) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = 3 + random.nextInt(49_000);
        String[] tokens = new String[n];
        Arrays.fill(tokens, "t");
        int[] none = new int[n];
        Arrays.fill(none, -1);
        return new Encoding(ids, new int[n], tokens, none, none.clone());
    }
}
