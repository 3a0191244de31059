package org.attentionsearch.corpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.Field;
import org.apache.lucene.document.IntField;
import org.apache.lucene.document.KeywordField;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.document.StringField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.store.LockObtainFailedException;
import org.attentionsearch.search.Analysis;

/**
 * Writes one Lucene index of token occurrences into a directory, committing as it goes with
 * the progress in the commit's user data (lines read, their checksum, counts), so that an
 * interrupted run resumes from its last commit: Lucene keeps nothing written after it. The
 * manifest that marks the index whole is written by {@link #finish}, and only then.
 */
public final class CorpusIndexWriter implements AutoCloseable {

    static {
        LuceneLog.quiet();
    }

    /** The index format its commits record ({@link IndexManifest#FORMAT}): a run resumes only its own format. */
    private static final String FORMAT = Integer.toString(IndexManifest.FORMAT);

    /** The commit data's key for the head statistics' sums ({@link HeadSums#encode}). */
    static final String SUMS = "heads.sums";

    /** Progress as the last commit recorded it. */
    public record Progress(int lines, long checksum, long texts, long tokens, long truncated) {
        static final Progress START = new Progress(0, 0, 0, 0, 0);
    }

    private final Path dir;
    private final Directory directory;
    private final IndexWriter writer;
    private final ModelFingerprint model;
    private final int[] layers;
    private final Progress resumed;
    private long texts, tokens, truncated;
    /** The head statistics' sums over every document added; null before the first, or when an older index was resumed without them. */
    private HeadSums sums;
    private final boolean sumsLost;
    /** The corpus line the index starts at: 0, or a Spark shard's first line. */
    private long firstLine;
    private boolean closed;
    /** Documents handed to Lucene on its own thread. */
    private final Pending pending;

    private CorpusIndexWriter(Path dir, Directory directory, IndexWriter writer, ModelFingerprint model, int[] layers, Progress resumed,
                              HeadSums sums, boolean sumsLost) {
        this.dir = dir;
        this.directory = directory;
        this.writer = writer;
        this.model = model;
        this.layers = layers.clone();
        this.resumed = resumed;
        this.texts = resumed.texts();
        this.tokens = resumed.tokens();
        this.truncated = resumed.truncated();
        this.sums = sums;
        this.sumsLost = sumsLost;
        this.pending = new Pending(dir);
    }

    /**
     * Opens {@code dir} to write an index: a new one in a missing or empty directory, or the
     * continuation of an unfinished one built with the same model and layers (see {@link #resumed()}).
     * Refuses a whole index, an unfinished one of another model or layers, and a directory holding
     * anything else.
     */
    public static CorpusIndexWriter open(Path dir, ModelFingerprint model, int[] layers) {
        if (IndexManifest.exists(dir)) {
            IndexManifest m = IndexManifest.read(dir);
            throw new CorpusException(dir + " already holds a finished index of " + m.texts()
                    + " documents; give another --out, or delete it to build it again");
        }
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) throw new CorpusException(dir + " is a file, not a directory");
            Files.createDirectories(dir);
            Directory directory = FSDirectory.open(dir);
            Progress progress = Progress.START;
            HeadSums sums = null;
            boolean existing = DirectoryReader.indexExists(directory);
            if (existing) {
                Map<String, String> data = DirectoryReader.listCommits(directory).getLast().getUserData();
                progress = checkResumable(dir, data, model, layers);
                if (data.containsKey(SUMS)) sums = HeadSums.decode(data.get(SUMS), dir.toString());
            } else if (!isEmpty(dir)) {
                directory.close();
                throw new CorpusException(dir + " is not empty and holds no corpus index; give an empty or new directory");
            }
            IndexWriterConfig config = new IndexWriterConfig()
                    .setOpenMode(existing ? IndexWriterConfig.OpenMode.APPEND : IndexWriterConfig.OpenMode.CREATE)
                    .setRAMBufferSizeMB(64)
                    .setCommitOnClose(false);
            config.setCodec(codec());
            IndexWriter writer;
            try {
                writer = new IndexWriter(directory, config);
            } catch (LockObtainFailedException e) {
                directory.close();
                throw new CorpusException(dir + " is being written by another process");
            }
            // An unfinished index of an older version holds documents but no sums: its statistics cannot be completed.
            boolean lost = progress.texts() > 0 && sums == null;
            return new CorpusIndexWriter(dir, directory, writer, model, layers, progress, sums, lost);
        } catch (IOException e) {
            throw new CorpusException("cannot write an index in " + dir + ": " + e.getMessage());
        }
    }

    private static Progress checkResumable(Path dir, Map<String, String> data, ModelFingerprint model, int[] layers) {
        String fingerprint = data.get("model.fingerprint");
        if (fingerprint == null) throw new CorpusException(dir + " holds a Lucene index that is not a corpus index");
        if (!FORMAT.equals(data.get("format"))) {
            throw new CorpusException(dir + " holds an unfinished index of an earlier format, which cannot be continued; delete it and index again");
        }
        if (!fingerprint.equals(model.digest())) {
            throw new CorpusException(dir + " holds an unfinished index built with another model (" + data.get("model.name")
                    + "); resume it with that model, or delete it");
        }
        if (!data.get("layers").equals(layerString(layers))) {
            throw new CorpusException(dir + " holds an unfinished index of layers " + data.get("layers")
                    + "; resume it with --layers " + data.get("layers") + ", or delete it");
        }
        return new Progress(Integer.parseInt(data.get("lines")), Long.parseLong(data.get("crc")), Long.parseLong(data.get("texts")),
                Long.parseLong(data.get("tokens")), Long.parseLong(data.get("truncated")));
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    /** Lucene's codec, with the corpus index's own HNSW graph (see {@link CorpusVectorFormat}). */
    private static Lucene104Codec codec() {
        KnnVectorsFormat vectors = new CorpusVectorFormat();
        return new Lucene104Codec() {
            @Override
            public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                return vectors;
            }
        };
    }

    /** Records that the index holds the lines from {@code line} of the corpus on (a Spark shard's part). */
    public void startsAt(long line) {
        firstLine = line;
    }

    /**
     * What a finished shard holds, as its commit records it.
     *
     * @param first    the corpus line it starts at
     * @param progress its lines (from {@code first}), their checksum and counts
     * @param sums     its head statistics' sums, or null when it has no document
     */
    public record Finished(long first, Progress progress, HeadSums sums) {
    }

    /**
     * The commit of a shard written whole by an earlier run, if {@code dir} holds a readable index
     * of this model and layers with every document its commit counts (a text document per
     * document, one per token occurrence); empty for anything else, which is then built again.
     */
    public static java.util.Optional<Finished> finished(Path dir, ModelFingerprint model, int[] layers) {
        if (!Files.isDirectory(dir)) return java.util.Optional.empty();
        try (Directory directory = FSDirectory.open(dir)) {
            if (!DirectoryReader.indexExists(directory)) return java.util.Optional.empty();
            Map<String, String> data = DirectoryReader.listCommits(directory).getLast().getUserData();
            if (!model.digest().equals(data.get("model.fingerprint")) || !layerString(layers).equals(data.get("layers"))
                    || !FORMAT.equals(data.get("format"))) {
                return java.util.Optional.empty();
            }
            Progress p = new Progress(Integer.parseInt(data.get("lines")), Long.parseLong(data.get("crc")), Long.parseLong(data.get("texts")),
                    Long.parseLong(data.get("tokens")), Long.parseLong(data.get("truncated")));
            HeadSums sums = data.containsKey(SUMS) ? HeadSums.decode(data.get(SUMS), dir.toString()) : null;
            if (p.texts() > 0 && (sums == null || sums.texts() != p.texts())) return java.util.Optional.empty();
            try (DirectoryReader reader = DirectoryReader.open(directory)) {
                if (reader.numDocs() != p.texts() + p.tokens()) return java.util.Optional.empty();
            }
            return java.util.Optional.of(new Finished(Long.parseLong(data.get("first")), p, sums));
        } catch (IOException | RuntimeException e) { // missing or damaged files, commit data of another version
            return java.util.Optional.empty();
        }
    }

    /** Where the last commit of an unfinished index left off (lines 0 … lines−1 are in), or the start. */
    public Progress resumed() {
        return resumed;
    }

    /**
     * Adds one analysed document: its text, and every token occurrence with its vectors and head
     * summaries. The Lucene documents are made here; Lucene takes them in on the writing thread
     * (see {@link Pending}), building its graphs while this thread runs the next forward pass.
     */
    public void add(Analysis a, int doc) {
        List<Document> docs = new ArrayList<>();
        Document text = new Document();
        text.add(new IntField(Fields.LINE, doc, Field.Store.YES));
        text.add(new StoredField(Fields.TEXT, a.text()));
        docs.add(text);
        if (sums == null && !sumsLost) sums = new HeadSums(a.config().layers(), a.config().heads());
        // One pass over the heads' weights gives both the head statistics' sums and the summaries.
        HeadSummary[][][] summaries = HeadReading.read(a, a.model().tokenizer(), sums, layers);
        List<Occurrence> occurrences = Contexts.of(a, doc, layers, summaries);
        for (Occurrence o : occurrences) docs.add(document(o));
        pending.submit(() -> writer.addDocuments(docs));
        texts++;
        tokens += occurrences.size();
        if (a.dropped() > 0) truncated++;
    }

    private Document document(Occurrence o) {
        Document d = new Document();
        d.add(new IntField(Fields.DOC, o.doc(), Field.Store.YES));
        d.add(new IntField(Fields.POSITION, o.position(), Field.Store.YES));
        d.add(new StoredField(Fields.ID, o.id()));
        d.add(new KeywordField(Fields.TOKEN, o.token(), Field.Store.YES));
        d.add(new StoredField(Fields.START, o.start()));
        d.add(new StoredField(Fields.END, o.end()));
        for (int x = 0; x < layers.length; x++) {
            int layer = layers[x];
            float[] v = o.vectors()[x];
            double length = UnitVectors.length(v);
            d.add(new KnnFloatVectorField(Fields.vector(layer), UnitVectors.direction(v, length), VectorSimilarityFunction.DOT_PRODUCT));
            d.add(new StoredField(Fields.length(layer), (float) length));
            HeadSummary[] heads = o.heads()[x];
            d.add(new StoredField(Fields.heads(layer), HeadSummary.pack(heads)));
            java.util.Set<String> terms = new java.util.HashSet<>();
            for (int h = 0; h < heads.length; h++) {
                terms.add(Fields.offsetTerm(layer, h, heads[h].offset()));
                terms.add(Fields.offsetTerm(layer, null, heads[h].offset()));
                if (heads[h].sink()) {
                    terms.add(Fields.sinkTerm(layer, h));
                    terms.add(Fields.sinkTerm(layer, null));
                }
            }
            for (String t : terms) d.add(new StringField(Fields.ATTENTION, t, Field.Store.NO));
        }
        return d;
    }

    /** Makes everything added so far durable, recording that lines 0 … lines−1 (with this checksum) are in. */
    public void commit(int lines, long checksum, String input) {
        Map<String, String> data = new HashMap<>();
        data.put("format", FORMAT);
        data.put("model.name", model.name());
        data.put("model.fingerprint", model.digest());
        data.put("layers", layerString(layers));
        data.put("first", Long.toString(firstLine));
        data.put("lines", Integer.toString(lines));
        data.put("crc", Long.toString(checksum));
        data.put("texts", Long.toString(texts));
        data.put("tokens", Long.toString(tokens));
        data.put("truncated", Long.toString(truncated));
        data.put("input", input);
        if (sums != null) data.put(SUMS, sums.encode());
        try {
            pending.await();
            writer.setLiveCommitData(data.entrySet());
            writer.commit();
        } catch (IOException e) {
            throw new CorpusException("cannot write to " + dir + ": " + e.getMessage());
        }
    }

    public long texts() {
        return texts;
    }

    public long tokens() {
        return tokens;
    }

    public long truncated() {
        return truncated;
    }

    /**
     * The head statistics' sums over every document of the index (those of earlier runs
     * included), for {@link HeadStatisticsJson#FILE}; empty when there is no document yet, or when
     * an unfinished index of an older version was resumed without them.
     */
    public java.util.Optional<HeadSums> headSums() {
        return sumsLost ? java.util.Optional.empty() : java.util.Optional.ofNullable(sums);
    }

    /**
     * Commits the last documents and closes the index; the caller then writes the manifest
     * ({@link IndexManifest#write}), which marks it whole.
     */
    public void finish(int lines, long checksum, String input) {
        commit(lines, checksum, input);
        close();
    }

    static String layerString(int[] layers) {
        StringBuilder s = new StringBuilder();
        for (int l : layers) s.append(s.isEmpty() ? "" : ",").append(l);
        return s.toString();
    }

    /** Closes without committing: what was added since the last commit is dropped. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        try {
            pending.close();
            if (writer.isOpen()) writer.rollback();
            directory.close();
        } catch (IOException e) {
            throw new CorpusException("cannot close the index in " + dir + ": " + e.getMessage());
        }
    }
}
