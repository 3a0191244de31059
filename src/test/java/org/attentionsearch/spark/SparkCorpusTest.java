package org.attentionsearch.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

import org.apache.spark.sql.SparkSession;
import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusException;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusHeads;
import org.attentionsearch.corpus.CorpusIndex;
import org.attentionsearch.corpus.CorpusSearch;
import org.attentionsearch.corpus.HeadStatistics;
import org.attentionsearch.corpus.HeadStatisticsJson;
import org.attentionsearch.corpus.Hit;
import org.attentionsearch.corpus.IndexManifest;
import org.attentionsearch.corpus.Indexer;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.corpus.SearchFilter;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark jobs in local mode with two executor threads, against the single-machine commands
 * on the same corpus. Runs in the surefire execution "spark", whose JVM has the options Spark needs.
 */
class SparkCorpusTest {

    @TempDir static Path tmp;
    static SparkSession spark;
    static Path corpus;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(Boolean.getBoolean("spark.jvm"), "runs in the spark surefire execution");
        spark = SparkSession.builder().master("local[2]").appName("attention-search-test")
                .config("spark.ui.enabled", "false").config("spark.driver.host", "127.0.0.1").getOrCreate();
        spark.sparkContext().setLogLevel("WARN");
        String[] words = {"The river bank flooded.", "She paid the bank.", "A bridge over the river.", "", "The market opened early.",
                "The old judge walked to the church.", "Rain fell on the harbour.", "The clerk counted the money at the bank."};
        Random r = new Random(5);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 40; i++) lines.add(words[r.nextInt(words.length)] + (i % 3 == 0 ? " " + words[r.nextInt(words.length)] : ""));
        corpus = Files.write(tmp.resolve("corpus.txt"), lines);
    }

    @AfterAll
    static void stop() {
        if (spark != null) spark.stop();
    }

    @Test
    void theShardedIndexFindsWhatTheSingleIndexFinds() {
        Model model = ExecutorModels.get(null);
        int[] layers = LAYERS;
        Path sharded = sharded(), single = tmp.resolve("single");
        IndexManifest m = IndexManifest.read(sharded);
        assertTrue(m.shards().size() >= 2, "shards: " + m.shards());
        IndexManifest one = new Indexer(model, ModelFingerprint.of(model, ExecutorModels.name(null)), layers, CorpusBatches.of(model))
                .run(corpus, CorpusFile.Format.TEXT, single, l -> { }, l -> { });
        assertEquals(one.lines(), m.lines());
        assertEquals(one.texts(), m.texts());
        assertEquals(one.tokens(), m.tokens());
        assertEquals(one.model(), m.model());
        // The shards' head statistics, added up, are the single index's (up to the order of the sums).
        CorpusHeads.Report shardedHeads = HeadStatisticsJson.ofIndex(sharded).orElseThrow().report();
        CorpusHeads.Report singleHeads = HeadStatisticsJson.ofIndex(single).orElseThrow().report();
        assertEquals(singleHeads.texts(), shardedHeads.texts());
        assertEquals(singleHeads.tokens(), shardedHeads.tokens());
        for (int i = 0; i < singleHeads.heads().size(); i++) {
            double[] want = HeadStatisticsJson.values(singleHeads.heads().get(i)), got = HeadStatisticsJson.values(shardedHeads.heads().get(i));
            for (int x = 0; x < want.length - 1; x++) assertEquals(want[x], got[x], 1e-9, "head " + i + " statistic " + x);
        }
        try (CorpusIndex a = CorpusIndex.open(sharded); CorpusIndex b = CorpusIndex.open(single)) {
            for (String[] q : new String[][] {{"He fished from the bank.", "bank"}, {"The church bells rang.", "church"}, {"Money talks.", "money"}}) {
                Analysis query = Analysis.of(model, q[0]);
                int position = query.tokens().stream().filter(t -> t.text().equals(q[1])).findFirst().orElseThrow().position();
                for (int layer : layers) {
                    float[] v = CorpusSearch.query(query, position, layer).vector();
                    List<Hit> x = a.search(layer, v, 10, SearchFilter.NONE, q[1]), y = b.search(layer, v, 10, SearchFilter.NONE, q[1]);
                    assertEquals(y.size(), x.size());
                    for (int i = 0; i < x.size(); i++) {
                        assertEquals(y.get(i).similarity(), x.get(i).similarity(), 1e-5, q[1] + " hit " + i);
                        // Equal similarities may come in either order; otherwise the same occurrence.
                        if (i + 1 < x.size() && Math.abs(y.get(i).similarity() - y.get(i + 1).similarity()) > 1e-5
                                && (i == 0 || Math.abs(y.get(i).similarity() - y.get(i - 1).similarity()) > 1e-5)) {
                            assertEquals(y.get(i).doc() + ":" + y.get(i).position(), x.get(i).doc() + ":" + x.get(i).position());
                        }
                    }
                }
            }
        }
    }

    private static final int[] LAYERS = {3, 5};
    private static Path sharded;

    /** The corpus indexed by the Spark job at layers 3 and 5 in two partitions, once for the tests that read it. */
    private static synchronized Path sharded() {
        if (sharded == null) {
            Path dir = tmp.resolve("sharded");
            CorpusJobs.index(spark, corpus.toString(), CorpusFile.Format.TEXT, dir, null, LAYERS, 2);
            sharded = dir;
        }
        return sharded;
    }

    @Test
    void anInterruptedIndexKeepsItsFinishedShardsAndBuildsTheOthersAgain() throws Exception {
        Path whole = sharded();
        IndexManifest done = IndexManifest.read(whole);
        Path dir = tmp.resolve("interrupted");
        copy(whole, dir);
        // Stopped before the manifest: one shard damaged (its largest file gone), a partial attempt left
        // behind, and a shard of an earlier run cut into more partitions.
        Files.delete(dir.resolve(IndexManifest.FILE));
        Files.delete(dir.resolve(HeadStatisticsJson.FILE));
        Path damaged = dir.resolve(done.shards().getLast());
        try (var files = Files.list(damaged)) {
            Files.delete(files.max(Comparator.comparingLong(p -> p.toFile().length())).orElseThrow());
        }
        Files.createDirectories(dir.resolve("_attempts/shard-00000-7"));
        Files.writeString(dir.resolve("_attempts/shard-00000-7/_0.cfs"), "half a segment");
        copy(dir.resolve(done.shards().getFirst()), dir.resolve("shard-00009"));

        int[] kept = {-1};
        IndexManifest m = CorpusJobs.index(spark, corpus.toString(), CorpusFile.Format.TEXT, dir, null, LAYERS, 2, k -> kept[0] = k);
        assertEquals(done.shards().size() - 1, kept[0], "every shard but the damaged one is kept");
        assertEquals(done.shards(), m.shards());
        assertEquals(List.of(done.lines(), done.texts(), done.tokens()), List.of(m.lines(), m.texts(), m.tokens()));
        assertTrue(Files.notExists(dir.resolve("_attempts")) && Files.notExists(dir.resolve("shard-00009")));
        CorpusHeads.Report before = HeadStatisticsJson.ofIndex(whole).orElseThrow().report();
        CorpusHeads.Report after = HeadStatisticsJson.ofIndex(dir).orElseThrow().report();
        for (int i = 0; i < before.heads().size(); i++) {
            assertEquals(java.util.Arrays.toString(HeadStatisticsJson.values(before.heads().get(i))),
                    java.util.Arrays.toString(HeadStatisticsJson.values(after.heads().get(i))), "head " + i);
        }
        Model model = ExecutorModels.get(null);
        float[] v = CorpusSearch.query(Analysis.of(model, "He fished from the bank."), 5, 5).vector();
        try (CorpusIndex a = CorpusIndex.open(whole); CorpusIndex b = CorpusIndex.open(dir)) {
            assertEquals(a.search(5, v, 10, SearchFilter.NONE, "bank").stream().map(h -> h.doc() + ":" + h.position()).toList(),
                    b.search(5, v, 10, SearchFilter.NONE, "bank").stream().map(h -> h.doc() + ":" + h.position()).toList());
        }

        // A directory holding anything else is refused before any work; so is a finished index.
        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        CorpusException refused = assertThrows(CorpusException.class,
                () -> CorpusJobs.index(spark, corpus.toString(), CorpusFile.Format.TEXT, foreign, null, LAYERS, 2));
        assertEquals(foreign + " is not empty and holds no unfinished Spark index (it has notes.txt); give an empty or new directory",
                refused.getMessage());
        CorpusException finished = assertThrows(CorpusException.class,
                () -> CorpusJobs.index(spark, corpus.toString(), CorpusFile.Format.TEXT, dir, null, LAYERS, 2));
        assertTrue(finished.getMessage().contains("already holds a finished index"), finished.getMessage());
    }

    private static void copy(Path from, Path to) throws IOException {
        try (var files = Files.walk(from)) {
            for (Path p : files.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(target);
                else Files.copy(p, target);
            }
        }
    }

    @Test
    void headStatisticsAreTheSumsOfThePartitions() {
        Model model = ExecutorModels.get(null);
        CorpusHeads.Report distributed = CorpusJobs.heads(spark, corpus.toString(), CorpusFile.Format.TEXT, null, 2);
        CorpusHeads.Report local = CorpusHeads.report(model,
                CorpusHeads.sums(model, corpus, CorpusFile.Format.TEXT, CorpusBatches.of(model), l -> { }));
        assertEquals(local.texts(), distributed.texts());
        assertEquals(local.tokens(), distributed.tokens());
        for (int i = 0; i < local.heads().size(); i++) {
            HeadStatistics e = local.heads().get(i), g = distributed.heads().get(i);
            double[] want = {e.effectiveResults(), e.previousToken(), e.duplicateToken(), e.firstToken(), e.specialTokens(), e.sinks(), e.valueShare()};
            double[] got = {g.effectiveResults(), g.previousToken(), g.duplicateToken(), g.firstToken(), g.specialTokens(), g.sinks(), g.valueShare()};
            for (int x = 0; x < want.length; x++) assertEquals(want[x], got[x], 1e-6, "layer " + e.layer() + " head " + e.head() + " statistic " + x);
        }
    }
}
