package org.attentionsearch.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.spark.TaskContext;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusException;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusHeads;
import org.attentionsearch.corpus.CorpusText;
import org.attentionsearch.corpus.HeadStatisticsJson;
import org.attentionsearch.corpus.HeadSums;
import org.attentionsearch.corpus.IndexManifest;
import org.attentionsearch.corpus.Indexer;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.model.Model;
import scala.Tuple2;

/**
 * {@code index} and {@code heads} as Spark jobs. The corpus is read as numbered lines (the line
 * numbers of the whole file), cut into partitions; each task runs the model — loaded once per
 * executor JVM from its path, see {@link ExecutorModels} — over its partition. {@code index}
 * writes one Lucene shard per partition under the output directory, which every executor and
 * the driver must see (a shared file system), and the driver then writes the manifest that
 * makes the shards one index for {@code search}. {@code heads} adds up each partition's
 * {@link HeadSums}.
 */
public final class CorpusJobs {

    /** A shard's directory, and the one partial attempts are written in. */
    private static final java.util.regex.Pattern SHARD = java.util.regex.Pattern.compile("shard-\\d{5,}");
    private static final String ATTEMPTS = "_attempts";

    private CorpusJobs() {
    }

    /** The corpus as (line, 0-based line number) pairs in {@code partitions} parts (at least). */
    private static JavaPairRDD<String, Long> lines(SparkSession spark, String input, int partitions) {
        return JavaSparkContext.fromSparkContext(spark.sparkContext()).textFile(input, partitions).zipWithIndex();
    }

    public static IndexManifest index(SparkSession spark, String input, CorpusFile.Format format, Path out, String modelPath,
                                      int[] layers, int partitions) {
        return index(spark, input, format, out, modelPath, layers, partitions, kept -> { });
    }

    /**
     * Indexes the corpus into one shard per partition under {@code out}, resuming an unfinished
     * run there: a shard an earlier run finished, of the same model and layers and holding exactly
     * the lines of its partition now, is kept; any other shard, and every partial attempt, is built
     * again. Refuses a finished index and a directory holding anything but an unfinished one.
     *
     * @param keptShards told how many shards were kept from an earlier run
     */
    public static IndexManifest index(SparkSession spark, String input, CorpusFile.Format format, Path out, String modelPath,
                                      int[] layers, int partitions, java.util.function.IntConsumer keptShards) {
        if (IndexManifest.exists(out)) throw new CorpusException(out + " already holds a finished index; give another --out, or delete it");
        try {
            Files.createDirectories(out);
            try (Stream<Path> s = Files.list(out)) {
                for (Path p : s.toList()) {
                    String name = p.getFileName().toString();
                    boolean ours = SHARD.matcher(name).matches() || name.equals(ATTEMPTS) || name.startsWith(HeadStatisticsJson.FILE);
                    if (!ours) {
                        throw new CorpusException(out + " is not empty and holds no unfinished Spark index (it has " + name
                                + "); give an empty or new directory");
                    }
                }
            }
            delete(out.resolve(ATTEMPTS)); // partial shards of an interrupted run
        } catch (IOException e) {
            throw new CorpusException("cannot write an index in " + out + ": " + e.getMessage());
        }
        String outDir = out.toAbsolutePath().toString();
        int[] chosen = layers.clone();
        List<Tuple2<String, Tuple2<Indexer.Shard, Boolean>>> shards = lines(spark, input, partitions).mapPartitionsWithIndex((part, it) -> {
            Model model = ExecutorModels.get(modelPath);
            Indexer indexer = new Indexer(model, ModelFingerprint.of(model, ExecutorModels.name(modelPath)), chosen, CorpusBatches.of(model));
            String name = String.format("shard-%05d", part);
            Path target = Path.of(outDir, name);
            Iterator<Tuple2<String, Long>> lines = it;
            if (Files.isDirectory(target)) {
                // An earlier run's shard: kept if it holds exactly this partition's lines, else built again.
                List<Tuple2<String, Long>> all = new ArrayList<>();
                it.forEachRemaining(all::add);
                java.util.zip.CRC32 crc = new java.util.zip.CRC32();
                for (Tuple2<String, Long> t : all) crc.update((t._1() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                long first = all.isEmpty() ? 0 : all.getFirst()._2();
                var kept = indexer.kept(target, first, all.size(), crc.getValue());
                if (kept.isPresent()) return List.of(new Tuple2<>(name, new Tuple2<>(kept.get(), true))).iterator();
                delete(target);
                lines = all.iterator();
            }
            // Each attempt writes its own directory, moved into place when whole: a retried or
            // speculative attempt never shares a half-written shard.
            Path attempt = Path.of(outDir, ATTEMPTS, name + "-" + TaskContext.get().taskAttemptId());
            Iterator<Tuple2<String, Long>> source = lines;
            Iterator<Map.Entry<String, Long>> entries = new Iterator<>() {
                public boolean hasNext() {
                    return source.hasNext();
                }

                public Map.Entry<String, Long> next() {
                    Tuple2<String, Long> t = source.next();
                    return Map.entry(t._1(), t._2());
                }
            };
            Indexer.Shard shard = indexer.shard(entries, format, input, attempt);
            try {
                Files.move(attempt, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                if (!Files.isDirectory(target)) throw e;
                delete(attempt); // another attempt finished this partition first
            }
            return List.of(new Tuple2<>(name, new Tuple2<>(shard, false))).iterator();
        }, false).collect();
        List<Tuple2<String, Tuple2<Indexer.Shard, Boolean>>> sorted = new ArrayList<>(shards);
        sorted.sort(Comparator.comparing(Tuple2::_1));
        List<String> names = sorted.stream().map(Tuple2::_1).toList();
        try {
            delete(out.resolve(ATTEMPTS));
            // Shards of an earlier run cut into more partitions hold lines the shards of this run hold too.
            try (Stream<Path> s = Files.list(out)) {
                for (Path p : s.toList()) {
                    if (SHARD.matcher(p.getFileName().toString()).matches() && !names.contains(p.getFileName().toString())) delete(p);
                }
            }
        } catch (IOException e) {
            throw new CorpusException("cannot clean up " + out + ": " + e.getMessage());
        }
        keptShards.accept((int) sorted.stream().filter(t -> t._2()._2()).count());
        List<Indexer.Shard> parts = sorted.stream().map(t -> t._2()._1()).toList();
        Model model = ExecutorModels.get(modelPath);
        Indexer indexer = new Indexer(model, ModelFingerprint.of(model, ExecutorModels.name(modelPath)), chosen, CorpusBatches.of(model));
        IndexManifest manifest = indexer.manifest(input, names, parts);
        if (manifest.texts() == 0) throw new CorpusException(input + " holds no document (every line is blank)");
        indexer.headStatistics(out, parts);
        manifest.write(out);
        return manifest;
    }

    /** The head statistics of the whole corpus: every partition's sums, added up. */
    public static CorpusHeads.Report heads(SparkSession spark, String input, CorpusFile.Format format, String modelPath, int partitions) {
        HeadSums sums = lines(spark, input, partitions).mapPartitions(it -> {
            Model model = ExecutorModels.get(modelPath);
            HeadSums part = new HeadSums(model.config().layers(), model.config().heads());
            List<CorpusText> batch = new ArrayList<>();
            CorpusBatches batches = CorpusBatches.of(model);
            while (it.hasNext()) {
                Tuple2<String, Long> line = it.next();
                String text = CorpusFile.document(line._1(), Math.toIntExact(line._2()), format, input);
                if (text != null) batch.add(new CorpusText(Math.toIntExact(line._2()), text));
                if (batch.size() == 64 || !it.hasNext()) {
                    batches.run(batch, analysed -> analysed.forEach(x -> part.add(x.analysis(), model.tokenizer())));
                    batch.clear();
                }
            }
            return List.of(part).iterator();
        }).reduce(HeadSums::merge);
        if (sums.texts() == 0) throw new CorpusException(input + " holds no document (every line is blank)");
        return CorpusHeads.report(ExecutorModels.get(modelPath), sums);
    }

    private static void delete(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }
}
