package org.attentionsearch.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusText;
import org.attentionsearch.corpus.IndexManifest;
import org.attentionsearch.corpus.Indexer;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.corpus.StateOfTheUnion;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Model;
import org.attentionsearch.text.Encoding;

/**
 * What the corpus index costs over a plain pass: on {@code -Dlines} lines (default 10,000) of the
 * State of the Union addresses, three sentences a line (about 100 MiniLM tokens), the tokens per
 * second of {@code embed} (untraced passes, 32 texts each) and of {@code index} (traced passes,
 * vectors of every layer and head summaries into Lucene, committed), the overhead, and the index's
 * bytes per token. One JSON line.
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec -Dbench.main=org.attentionsearch.bench.CorpusIndexing -Dlines=10000}
 * (the tests' npm fixtures must be installed: {@code ./mvnw test-compile} does it).
 */
public final class CorpusIndexing {

    public static void main(String[] args) throws IOException {
        Parallel.setThreads(Integer.getInteger("threads", Runtime.getRuntime().availableProcessors()));
        int lines = Integer.getInteger("lines", 10_000);
        Path dir = Files.createTempDirectory("corpus-indexing");
        Path corpus = StateOfTheUnion.write(dir.resolve("sotu.jsonl"), 1790, 2100, lines, 3);
        Model model = Model.embedded();

        List<CorpusText> texts = new ArrayList<>();
        try (CorpusFile f = CorpusFile.open(corpus, CorpusFile.Format.JSON_LINES)) {
            for (List<CorpusText> batch; !(batch = f.next(1024)).isEmpty(); ) texts.addAll(batch);
        }
        long tokens = 0;
        long t0 = System.nanoTime();
        for (int i = 0; i < texts.size(); i += 32) {
            List<Encoding> encodings = new ArrayList<>();
            for (CorpusText t : texts.subList(i, Math.min(texts.size(), i + 32))) encodings.add(model.tokenize(t.text()).encoding());
            for (Encoding e : encodings) tokens += e.length();
            model.forward(encodings, false);
        }
        double embedSeconds = (System.nanoTime() - t0) / 1e9;

        int[] layers = java.util.stream.IntStream.range(0, model.config().layers()).toArray();
        t0 = System.nanoTime();
        IndexManifest m = new Indexer(model, ModelFingerprint.of(model, "all-MiniLM-L6-v2"), layers, CorpusBatches.of(model))
                .run(corpus, CorpusFile.Format.JSON_LINES, dir.resolve("index"), l -> { }, l -> { });
        double indexSeconds = (System.nanoTime() - t0) / 1e9;
        long bytes;
        try (Stream<Path> s = Files.walk(dir.resolve("index"))) {
            bytes = s.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
        }
        System.out.printf(Locale.ROOT, "{\"lines\":%d,\"tokens\":%d,\"embedTokensPerSecond\":%.1f,\"indexTokensPerSecond\":%.1f,"
                        + "\"overhead\":%.3f,\"layers\":%d,\"indexBytesPerToken\":%.1f}%n", m.texts(), m.tokens(), tokens / embedSeconds,
                m.tokens() / indexSeconds, indexSeconds / embedSeconds - 1, layers.length, (double) bytes / m.tokens());
    }
}
