package org.attentionsearch.spark;

import java.nio.file.Path;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import org.apache.spark.sql.SparkSession;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusHeads;
import org.attentionsearch.corpus.HeadStatisticsJson;
import org.attentionsearch.corpus.IndexManifest;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The corpus jobs for {@code spark-submit}: {@code index} and {@code heads} with the options of
 * the command line's commands, plus {@code --partitions}. The master, executors and memory are
 * spark-submit's to set.
 */
@Command(name = "attention-search-spark", mixinStandardHelpOptions = true,
        subcommands = {SparkCorpus.Index.class, SparkCorpus.Heads.class},
        description = "The corpus index and head statistics as Spark jobs.")
public final class SparkCorpus {

    public static void main(String[] args) {
        System.exit(new CommandLine(new SparkCorpus()).execute(args));
    }

    abstract static class Job {
        @Option(names = "--input", required = true, paramLabel = "CORPUS", description = "The corpus (any path Spark reads: file, hdfs, s3a …).")
        String input;

        @Option(names = "--model", paramLabel = "PATH", description = "The model, at a path every executor can read (default: the embedded all-MiniLM-L6-v2).")
        String model;

        @Option(names = "--format", paramLabel = "auto|text|jsonl", description = "How lines hold documents (default: by the file name).")
        String format;

        @Option(names = "--partitions", paramLabel = "N", description = "Partitions to cut the corpus into, at least (default: Spark's).")
        int partitions = 2;

        CorpusFile.Format format() {
            return CorpusFile.Format.parse(format, Path.of(input.replaceFirst("^file:", "")));
        }
    }

    @Command(name = "index", mixinStandardHelpOptions = true, description = {"One Lucene shard per partition under --out, and the manifest that joins them.",
            "An interrupted run, run again with the same --input, --out, model, layers and --partitions, keeps the shards it finished."})
    static final class Index extends Job implements Callable<Integer> {
        @Option(names = "--out", required = true, paramLabel = "DIR", description = "A new or empty directory (or an interrupted run's) on a file system every executor shares.")
        Path out;

        @Option(names = "--layers", paramLabel = "0,3,5|last|all", description = "The layers whose vectors are indexed (default: last).")
        String layers = "last";

        @Override
        public Integer call() {
            SparkSession spark = SparkSession.builder().appName("attention-search index").getOrCreate();
            try {
                int count = ExecutorModels.get(model).config().layers();
                int[] kept = {0};
                IndexManifest m = CorpusJobs.index(spark, input, format(), out, model, parseLayers(layers, count), partitions, k -> kept[0] = k);
                System.out.printf("indexed %,d documents (%,d tokens) into %d shards under %s%s%n", m.texts(), m.tokens(), m.shards().size(), out,
                        kept[0] == 0 ? "" : " (" + kept[0] + " of them kept from the interrupted run)");
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    @Command(name = "heads", mixinStandardHelpOptions = true, description = "Every head's statistics over the corpus, as JSON (the schema of heads --json).")
    static final class Heads extends Job implements Callable<Integer> {
        @Override
        public Integer call() throws Exception {
            SparkSession spark = SparkSession.builder().appName("attention-search heads").getOrCreate();
            try {
                CorpusHeads.Report r = CorpusJobs.heads(spark, input, format(), model, partitions);
                var executorModel = ExecutorModels.get(model);
                var fingerprint = org.attentionsearch.corpus.ModelFingerprint.of(executorModel, ExecutorModels.name(model));
                System.out.println(new String(HeadStatisticsJson.bytes(r, fingerprint), java.nio.charset.StandardCharsets.UTF_8));
                return 0;
            } finally {
                spark.stop();
            }
        }
    }

    static int[] parseLayers(String spec, int count) {
        if (spec.equalsIgnoreCase("last")) return new int[] {count - 1};
        if (spec.equalsIgnoreCase("all")) return java.util.stream.IntStream.range(0, count).toArray();
        TreeSet<Integer> set = new TreeSet<>();
        for (String part : spec.split(",")) {
            int l = Integer.parseInt(part.strip());
            if (l < 0 || l >= count) throw new IllegalArgumentException("layer " + l + " is out of range 0.." + (count - 1));
            set.add(l);
        }
        return set.stream().mapToInt(Integer::intValue).toArray();
    }
}
