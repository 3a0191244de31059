package org.attentionsearch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusIndex;
import org.attentionsearch.corpus.CorpusSearch;
import org.attentionsearch.corpus.CorpusText;
import org.attentionsearch.corpus.Hit;
import org.attentionsearch.corpus.IndexManifest;
import org.attentionsearch.corpus.Indexer;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.corpus.SearchFilter;
import org.attentionsearch.corpus.StateOfTheUnion;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.text.Encoding;

/**
 * What the corpus index costs over a plain pass: on {@code -Dlines} lines (default 10,000) of the
 * State of the Union addresses, three sentences a line (about 100 MiniLM tokens), the tokens per
 * second of {@code embed} (untraced passes, 32 texts each) and, in the same run, of {@code index}
 * (traced passes, vectors and head summaries into Lucene, committed) for each layer choice of
 * {@code -Dlayers} (default {@code last;all}, separated by semicolons); for each, the overhead,
 * the index's bytes per token, recall@10 of {@code search} at the last indexed layer against an
 * exact scan of every stored vector, and the mean time of one search. Both paths run once over
 * the first 64 lines before anything is timed. Queries: every 7th token
 * of 20 lines after the indexed ones. One JSON line per layer choice, with the load average.
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec -Dbench.main=org.attentionsearch.bench.CorpusIndexing -Dlines=10000}
 * (the tests' npm fixtures must be installed: {@code ./mvnw test-compile} does it).
 */
public final class CorpusIndexing {

    private static final int QUERY_LINES = 20, QUERY_STRIDE = 7, K = 10, WARM_UP_LINES = 64;

    private record Query(float[] vector, String token) {
    }

    public static void main(String[] args) throws IOException {
        Parallel.setThreads(Integer.getInteger("threads", Runtime.getRuntime().availableProcessors()));
        int lines = Integer.getInteger("lines", 10_000);
        String[] choices = System.getProperty("layers", "last;all").split(";");
        Path dir = Files.createTempDirectory("corpus-indexing");
        Path both = StateOfTheUnion.write(dir.resolve("both.jsonl"), 1790, 2100, lines + QUERY_LINES, 3);
        List<String> all = Files.readAllLines(both);
        Path corpus = Files.write(dir.resolve("sotu.jsonl"), all.subList(0, lines));
        Model model = Model.embedded();

        List<CorpusText> texts = new ArrayList<>();
        try (CorpusFile f = CorpusFile.open(corpus, CorpusFile.Format.JSON_LINES)) {
            for (List<CorpusText> batch; !(batch = f.next(1024)).isEmpty(); ) texts.addAll(batch);
        }
        // Both paths once over the first lines, so that neither measurement pays for compiling the other's code.
        int warm = Math.min(texts.size(), WARM_UP_LINES);
        embed(model, texts.subList(0, warm));
        Path warmCorpus = Files.write(dir.resolve("warm-up.jsonl"), all.subList(0, warm));
        new Indexer(model, ModelFingerprint.of(model, "all-MiniLM-L6-v2"), new int[] {model.config().layers() - 1}, CorpusBatches.of(model))
                .run(warmCorpus, CorpusFile.Format.JSON_LINES, dir.resolve("warm-up"), l -> { }, l -> { });
        long c0 = cpuNanos(), w0 = System.nanoTime();
        double embed = embed(model, texts);
        double embedCores = (double) (cpuNanos() - c0) / (System.nanoTime() - w0);

        int count = model.config().layers();
        for (String choice : choices) {
            int[] layers = choice.equals("all") ? IntStream.range(0, count).toArray()
                    : choice.equals("last") ? new int[] {count - 1}
                    : Stream.of(choice.split(",")).mapToInt(Integer::parseInt).toArray();
            Path out = dir.resolve("index-" + choice.replace(',', '-'));
            long t0 = System.nanoTime(), cpu0 = cpuNanos();
            IndexManifest m = new Indexer(model, ModelFingerprint.of(model, "all-MiniLM-L6-v2"), layers, CorpusBatches.of(model))
                    .run(corpus, CorpusFile.Format.JSON_LINES, out, l -> { }, l -> { });
            double index = m.tokens() / ((System.nanoTime() - t0) / 1e9);
            double indexCores = (double) (cpuNanos() - cpu0) / (System.nanoTime() - t0);
            long bytes;
            try (Stream<Path> s = Files.walk(out)) {
                bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            int layer = layers[layers.length - 1];
            List<Query> queries = queries(model, all.subList(lines, all.size()), layer);
            double recall, millis;
            try (CorpusIndex c = CorpusIndex.open(out)) {
                recall = recall(c, layer, queries);
                millis = searchMillis(c, layer, queries);
            }
            System.out.printf(Locale.ROOT, "{\"lines\":%d,\"tokens\":%d,\"layers\":\"%s\",\"embedTokensPerSecond\":%.1f,"
                            + "\"indexTokensPerSecond\":%.1f,\"overhead\":%.3f,\"indexBytesPerToken\":%.1f,\"recallAt10\":%.4f,"
                            + "\"queries\":%d,\"searchMillis\":%.2f,\"embedCores\":%.2f,\"indexCores\":%.2f,\"load\":%s}%n", m.texts(), m.tokens(),
                    m.layerList(), embed, index, embed / index - 1, (double) bytes / m.tokens(), recall, queries.size(), millis, embedCores,
                    indexCores, load());
        }
    }

    /** Tokens per second of untraced passes over {@code texts}, 32 at a time. */
    private static double embed(Model model, List<CorpusText> texts) {
        long tokens = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < texts.size(); i += 32) {
            List<Encoding> encodings = new ArrayList<>();
            for (CorpusText t : texts.subList(i, Math.min(texts.size(), i + 32))) encodings.add(model.tokenize(t.text()).encoding());
            for (Encoding e : encodings) tokens += e.length();
            model.forward(encodings, false);
        }
        return tokens / ((System.nanoTime() - t0) / 1e9);
    }

    private static List<Query> queries(Model model, List<String> lines, int layer) {
        List<Query> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Analysis a = Analysis.of(model, CorpusFile.document(lines.get(i), i, CorpusFile.Format.JSON_LINES, "queries"));
            for (int p = 1; p < a.length(); p += QUERY_STRIDE) out.add(new Query(CorpusSearch.query(a, p, layer).vector(), a.tokens().get(p).text()));
        }
        return out;
    }

    /** The share of each query's exact 10 nearest (one scan over every stored vector) that the search returns. */
    private static double recall(CorpusIndex c, int layer, List<Query> queries) {
        List<PriorityQueue<Object[]>> best = new ArrayList<>();
        for (int q = 0; q < queries.size(); q++) best.add(new PriorityQueue<>((a, b) -> Double.compare((double) a[0], (double) b[0])));
        c.forEach(layer, (doc, position, token, vector) -> {
            for (int q = 0; q < queries.size(); q++) {
                PriorityQueue<Object[]> top = best.get(q);
                double s = CorpusIndex.cosine(queries.get(q).vector(), vector);
                if (top.size() < K) top.add(new Object[] {s, doc + ":" + position});
                else if (s > (double) top.peek()[0]) {
                    top.poll();
                    top.add(new Object[] {s, doc + ":" + position});
                }
            }
        });
        int found = 0;
        for (int q = 0; q < queries.size(); q++) {
            Set<Object> exact = new HashSet<>();
            for (Object[] e : best.get(q)) exact.add(e[1]);
            for (Hit h : c.search(layer, queries.get(q).vector(), K, SearchFilter.NONE, queries.get(q).token())) {
                if (exact.contains(h.doc() + ":" + h.position())) found++;
            }
        }
        return (double) found / (K * queries.size());
    }

    /** Mean milliseconds of one search (top 10, no filter), after a round to warm up. */
    private static double searchMillis(CorpusIndex c, int layer, List<Query> queries) {
        for (Query q : queries) c.search(layer, q.vector(), K, SearchFilter.NONE, q.token());
        int rounds = 3;
        long t0 = System.nanoTime();
        for (int r = 0; r < rounds; r++) for (Query q : queries) c.search(layer, q.vector(), K, SearchFilter.NONE, q.token());
        return (System.nanoTime() - t0) / 1e6 / (rounds * queries.size());
    }

    /** CPU time of every thread of this process so far. */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "null";
        }
    }
}
