package org.attentionsearch.corpus;

import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

import org.attentionsearch.model.Model;

/**
 * {@code index}: a corpus file into a Lucene index of token occurrences, a batch at a time,
 * committing every {@link #COMMIT_NANOS} so that an interrupted run loses at most that much
 * work and resumes where its last commit left off.
 */
public final class Indexer {

    static final long COMMIT_NANOS = 30_000_000_000L;

    private final Model model;
    private final ModelFingerprint fingerprint;
    private final int[] layers;
    private final CorpusBatches batches;

    public Indexer(Model model, ModelFingerprint fingerprint, int[] layers, CorpusBatches batches) {
        this.model = model;
        this.fingerprint = fingerprint;
        this.layers = layers.clone();
        this.batches = batches;
        for (int l : layers) {
            if (l < 0 || l >= model.config().layers()) {
                throw new CorpusException("layer " + l + " is out of range 0.." + (model.config().layers() - 1));
            }
        }
    }

    /**
     * What one shard holds: lines read (blank ones included), documents, tokens, documents cut to
     * fit, and the head statistics' sums over its documents (null for a shard without any).
     */
    public record Shard(long lines, long texts, long tokens, long truncated, HeadSums sums) implements java.io.Serializable {
    }

    /**
     * Indexes the documents of one part of a corpus into a new shard at {@code dir}, committed
     * whole at the end (no manifest: the job that made the parts writes the one for all shards).
     * The commit records the part's first line, its line count and their CRC-32 (as
     * {@link CorpusFile#checksum} counts it), by which a later run knows the shard ({@link #kept}).
     *
     * @param lines the part's lines with their 0-based line numbers in the whole corpus
     */
    public Shard shard(java.util.Iterator<java.util.Map.Entry<String, Long>> lines, CorpusFile.Format format, String input, Path dir) {
        try (CorpusIndexWriter writer = CorpusIndexWriter.open(dir, fingerprint, layers)) {
            long count = 0;
            java.util.zip.CRC32 crc = new java.util.zip.CRC32();
            List<CorpusText> batch = new java.util.ArrayList<>();
            while (lines.hasNext()) {
                var line = lines.next();
                if (count == 0) writer.startsAt(line.getValue());
                count++;
                crc.update((line.getKey() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
                String text = CorpusFile.document(line.getKey(), Math.toIntExact(line.getValue()), format, input);
                if (text != null) batch.add(new CorpusText(Math.toIntExact(line.getValue()), text));
                if (batch.size() == 64 || !lines.hasNext()) {
                    batches.run(batch, analysed -> analysed.forEach(x -> writer.add(x.analysis(), x.text().doc())));
                    batch.clear();
                }
            }
            writer.finish(Math.toIntExact(count), crc.getValue(), input);
            return new Shard(count, writer.texts(), writer.tokens(), writer.truncated(), writer.headSums().orElse(null));
        }
    }

    /**
     * The shard an earlier run wrote whole at {@code dir}, if it is of this model and layers and
     * holds exactly these lines: the {@code count} lines from {@code first}, with this CRC-32.
     * Empty for a missing, damaged or other shard, which the caller builds again.
     */
    public java.util.Optional<Shard> kept(Path dir, long first, long count, long checksum) {
        return CorpusIndexWriter.finished(dir, fingerprint, layers)
                .filter(f -> f.first() == first && f.progress().lines() == count && f.progress().checksum() == checksum)
                .map(f -> new Shard(count, f.progress().texts(), f.progress().tokens(), f.progress().truncated(), f.sums()));
    }

    /**
     * Writes the head statistics of every shard's documents into {@code out} ({@link HeadStatisticsJson#FILE}),
     * before the manifest: the same numbers {@code heads} gives over the whole corpus.
     */
    public void headStatistics(Path out, List<Shard> parts) {
        HeadSums all = new HeadSums(model.config().layers(), model.config().heads());
        for (Shard s : parts) if (s.sums() != null) all.merge(s.sums());
        if (all.texts() > 0) HeadStatisticsJson.write(out, CorpusHeads.report(model, all), fingerprint);
    }

    /** The manifest of an index whose shards (directories under it) were written by {@link #shard}. */
    public IndexManifest manifest(String input, List<String> shards, List<Shard> parts) {
        long lines = 0, texts = 0, tokens = 0, truncated = 0;
        for (Shard s : parts) {
            lines += s.lines();
            texts += s.texts();
            tokens += s.tokens();
            truncated += s.truncated();
        }
        return new IndexManifest(fingerprint, layers, model.config().layers(), model.config().heads(), model.config().hiddenSize(),
                model.decoder(), lines, texts, tokens, truncated, input, List.copyOf(shards));
    }

    /**
     * Indexes {@code input} into {@code out}, resuming an unfinished index there.
     *
     * @param progress told how many lines each batch read (after {@code resumedLines} already in)
     * @param resumed  told, before anything else, how many lines an unfinished index already holds
     */
    public IndexManifest run(Path input, CorpusFile.Format format, Path out, IntConsumer resumed, IntConsumer progress) {
        try (CorpusIndexWriter writer = CorpusIndexWriter.open(out, fingerprint, layers);
             CorpusFile corpus = CorpusFile.open(input, format)) {
            CorpusIndexWriter.Progress from = writer.resumed();
            if (from.lines() > 0) {
                if (!corpus.skip(from.lines()) || corpus.checksum() != from.checksum()) {
                    throw new CorpusException(input + " is not the file whose first " + from.lines() + " lines the unfinished index in "
                            + out + " holds; give that file to resume, or delete " + out);
                }
                resumed.accept(from.lines());
            }
            String name = input.toString();
            long lastCommit = System.nanoTime();
            int read = corpus.lines();
            while (true) {
                List<CorpusText> texts = corpus.next(64);
                if (texts.isEmpty() && corpus.lines() == read) break;
                batches.run(texts, analysed -> analysed.forEach(x -> writer.add(x.analysis(), x.text().doc())));
                progress.accept(corpus.lines() - read);
                read = corpus.lines();
                if (System.nanoTime() - lastCommit > COMMIT_NANOS) {
                    writer.commit(corpus.lines(), corpus.checksum(), name);
                    lastCommit = System.nanoTime();
                }
            }
            if (writer.texts() == 0) throw new CorpusException(input + " holds no document (every line is blank)");
            writer.finish(corpus.lines(), corpus.checksum(), name);
            // The statistics of heads over the same documents, beside the index; written before the manifest that marks it whole.
            writer.headSums().ifPresent(sums -> HeadStatisticsJson.write(out, CorpusHeads.report(model, sums), fingerprint));
            IndexManifest manifest = new IndexManifest(fingerprint, layers, model.config().layers(), model.config().heads(),
                    model.config().hiddenSize(), model.decoder(), corpus.lines(), writer.texts(), writer.tokens(), writer.truncated(),
                    name, List.of("."));
            manifest.write(out);
            return manifest;
        }
    }
}
