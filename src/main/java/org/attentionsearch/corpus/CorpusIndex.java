package org.attentionsearch.corpus;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import org.apache.lucene.document.Document;
import org.apache.lucene.document.IntField;
import org.apache.lucene.index.CorruptIndexException;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.FloatVectorValues;
import org.apache.lucene.index.IndexFormatTooNewException;
import org.apache.lucene.index.IndexFormatTooOldException;
import org.apache.lucene.index.IndexReader;
import org.apache.lucene.index.KnnVectorValues;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.MultiReader;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.StoredFields;
import org.apache.lucene.index.Term;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.MatchAllDocsQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TermQuery;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.Directory;
import org.apache.lucene.store.FSDirectory;
import org.apache.lucene.util.BytesRef;

/**
 * A finished corpus index, read as one whatever number of shards it has: the nearest token
 * occurrences to a vector at one layer (Lucene's HNSW search, then the exact cosine of each
 * candidate from its stored vector), and the documents' texts for their snippets.
 */
public final class CorpusIndex implements AutoCloseable {

    static {
        LuceneLog.quiet();
    }

    /**
     * Candidates the graph search gathers before the best K are kept: a wider beam, a better
     * recall. On 1.28 million MiniLM tokens (20 segments, graphs built with a beam of 50),
     * recall@10 was 0.984 at 100, 0.990 at 200, 0.993 at 300 and 0.996 at 400 candidates, at
     * 8, 8, 14 and 14 ms a search.
     */
    static final int MIN_CANDIDATES = 300;

    private final Path dir;
    private final IndexManifest manifest;
    private final List<Directory> directories;
    private final IndexReader reader;
    private final IndexSearcher searcher;

    private CorpusIndex(Path dir, IndexManifest manifest, List<Directory> directories, IndexReader reader) {
        this.dir = dir;
        this.manifest = manifest;
        this.directories = directories;
        this.reader = reader;
        this.searcher = new IndexSearcher(reader);
    }

    /** Opens a finished index; refuses, in one sentence, a missing, unfinished or damaged one. */
    public static CorpusIndex open(Path dir) {
        if (!Files.exists(dir)) throw new CorpusException("there is no index at " + dir + ": no such directory");
        if (!Files.isDirectory(dir)) throw new CorpusException(dir + " is a file, not an index directory");
        if (!IndexManifest.exists(dir)) {
            try (Directory d = FSDirectory.open(dir)) {
                if (DirectoryReader.indexExists(d)) {
                    var data = DirectoryReader.listCommits(d).getLast().getUserData();
                    throw new CorpusException(dir + " holds an unfinished index (stopped after " + data.getOrDefault("lines", "0")
                            + " lines); run index again with the same --input and --out to finish it");
                }
            } catch (IOException e) {
                throw damaged(dir, e);
            }
            throw new CorpusException(dir + " holds no corpus index (no " + IndexManifest.FILE + ")");
        }
        IndexManifest manifest = IndexManifest.read(dir);
        List<Directory> directories = new ArrayList<>();
        List<IndexReader> readers = new ArrayList<>();
        try {
            for (String shard : manifest.shards()) {
                Path p = dir.resolve(shard).normalize();
                if (!Files.isDirectory(p)) throw new CorpusException(dir + " is damaged: its shard " + shard + " is missing");
                Directory d = FSDirectory.open(p);
                directories.add(d);
                if (!DirectoryReader.indexExists(d)) throw new CorpusException(dir + " is damaged: its shard " + shard + " holds no Lucene index");
                readers.add(DirectoryReader.open(d));
            }
            IndexReader reader = readers.size() == 1 ? readers.getFirst() : new MultiReader(readers.toArray(new IndexReader[0]), true);
            if (reader.numDocs() != manifest.texts() + manifest.tokens()) {
                reader.close();
                throw new CorpusException(dir + " is damaged: it holds " + reader.numDocs() + " entries where its manifest counts "
                        + (manifest.texts() + manifest.tokens()));
            }
            return new CorpusIndex(dir, manifest, directories, reader);
        } catch (IOException | RuntimeException e) {
            for (IndexReader r : readers) closeQuietly(r);
            for (Directory d : directories) closeQuietly(d);
            if (e instanceof CorpusException c) throw c;
            if (e instanceof IOException io) throw damaged(dir, io);
            throw new CorpusException(dir + " is damaged: " + e.getMessage());
        }
    }

    private static CorpusException damaged(Path dir, IOException e) {
        String what = e instanceof CorruptIndexException || e instanceof IndexFormatTooOldException
                || e instanceof IndexFormatTooNewException ? "its Lucene files are corrupt or of another version"
                : e instanceof NoSuchFileException ? "a file it needs is missing (" + e.getMessage() + ")" : e.getMessage();
        return new CorpusException(dir + " is damaged: " + what);
    }

    public IndexManifest manifest() {
        return manifest;
    }

    public Path dir() {
        return dir;
    }

    /** Refuses a model other than the one the index was built with. */
    public void requireModel(ModelFingerprint model) {
        if (!manifest.model().sameModel(model)) {
            throw new CorpusException(dir + " was built with the model " + manifest.model().name() + ", not " + model.name()
                    + "; search it with --model set to that model");
        }
    }

    /** Refuses a layer the index does not hold. */
    public void requireLayer(int layer) {
        if (!manifest.hasLayer(layer)) {
            throw new CorpusException(dir + " holds layer" + (manifest.layers().length == 1 ? " " : "s ") + manifest.layerList()
                    + ", not layer " + layer + "; choose one of those with --layer, or index that layer");
        }
    }

    /**
     * The {@code k} occurrences nearest to {@code vector} at {@code layer} that pass the filter, by
     * cosine, nearest first (ties by document and position).
     *
     * @param tokenText the query's own token string, for the same-token and other-token filters
     */
    public List<Hit> search(int layer, float[] vector, int k, SearchFilter filter, String tokenText) {
        requireLayer(layer);
        if (k < 1) return List.of();
        try {
            int candidates = Math.max(k, MIN_CANDIDATES);
            Query query = new KnnFloatVectorQuery(Fields.vector(layer), UnitVectors.direction(vector), candidates, filter(layer, filter, tokenText));
            TopDocs top = searcher.search(query, candidates);
            // Every candidate's exact cosine from its direction (cheap); stored fields, which must be
            // decompressed, only for the best k and any tied with the k-th, whose order the document and position decide.
            List<Candidate> ranked = new ArrayList<>(top.scoreDocs.length);
            for (ScoreDoc sd : top.scoreDocs) {
                float[] direction = storedDirection(sd.doc, layer);
                ranked.add(new Candidate(sd.doc, cosine(vector, direction), direction));
            }
            ranked.sort(Comparator.comparingDouble(Candidate::similarity).reversed());
            List<Hit> hits = new ArrayList<>();
            for (int c = 0; c < ranked.size(); c++) {
                if (c >= k && ranked.get(c).similarity() < ranked.get(k - 1).similarity()) break;
                hits.add(hit(ranked.get(c), layer));
            }
            hits.sort(Comparator.comparingDouble(Hit::similarity).reversed().thenComparingInt(Hit::doc).thenComparingInt(Hit::position));
            return List.copyOf(hits.subList(0, Math.min(k, hits.size())));
        } catch (IOException e) {
            throw damaged(dir, e);
        }
    }

    private static Query filter(int layer, SearchFilter f, String tokenText) {
        if (f == null || f.none()) return null;
        BooleanQuery.Builder b = new BooleanQuery.Builder();
        b.add(new MatchAllDocsQuery(), BooleanClause.Occur.FILTER);
        if (f.tokens() == SearchFilter.Tokens.SAME) b.add(new TermQuery(new Term(Fields.TOKEN, tokenText)), BooleanClause.Occur.FILTER);
        if (f.tokens() == SearchFilter.Tokens.OTHER) b.add(new TermQuery(new Term(Fields.TOKEN, tokenText)), BooleanClause.Occur.MUST_NOT);
        if (f.offset() != null) {
            b.add(new TermQuery(new Term(Fields.ATTENTION, Fields.offsetTerm(layer, f.head(), f.offset()))), BooleanClause.Occur.FILTER);
        }
        if (f.sink()) b.add(new TermQuery(new Term(Fields.ATTENTION, Fields.sinkTerm(layer, f.head()))), BooleanClause.Occur.FILTER);
        return b.build();
    }

    /** A candidate of the graph search: its Lucene document, exact cosine to the query and stored direction. */
    private record Candidate(int docId, double similarity, float[] direction) {
    }

    private Hit hit(Candidate c, int layer) throws IOException {
        Document d = searcher.storedFields().document(c.docId());
        BytesRef heads = d.getBinaryValue(Fields.heads(layer));
        return new Hit(d.getField(Fields.DOC).numericValue().intValue(), d.getField(Fields.POSITION).numericValue().intValue(),
                d.getField(Fields.ID).numericValue().intValue(), d.get(Fields.TOKEN),
                d.getField(Fields.START).numericValue().intValue(), d.getField(Fields.END).numericValue().intValue(),
                c.similarity(), UnitVectors.scaled(c.direction(), length(d, layer)), HeadSummary.unpack(heads.bytes, heads.offset, heads.length));
    }

    /** The length an occurrence's vector had at a layer. */
    private static float length(Document d, int layer) {
        return d.getField(Fields.length(layer)).numericValue().floatValue();
    }

    /** The direction of an occurrence's vector at a layer, as the index holds it. */
    private float[] storedDirection(int docId, int layer) throws IOException {
        List<LeafReaderContext> leaves = reader.leaves();
        LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(docId, leaves));
        FloatVectorValues values = leaf.reader().getFloatVectorValues(Fields.vector(layer));
        KnnVectorValues.DocIndexIterator it = values.iterator();
        int target = docId - leaf.docBase;
        if (it.advance(target) != target) throw new CorruptIndexException("occurrence without a vector", dir.toString());
        return values.vectorValue(it.index()).clone();
    }

    /** What {@link #forEach} hands over: one stored occurrence at one layer. */
    public interface Visitor {
        void visit(int doc, int position, String token, float[] vector);
    }

    /** Every occurrence's stored vector at a layer, direction × length (to check the search against a scan of them all). */
    public void forEach(int layer, Visitor visitor) {
        requireLayer(layer);
        try {
            for (LeafReaderContext leaf : reader.leaves()) {
                FloatVectorValues values = leaf.reader().getFloatVectorValues(Fields.vector(layer));
                if (values == null) continue;
                StoredFields stored = leaf.reader().storedFields();
                KnnVectorValues.DocIndexIterator it = values.iterator();
                for (int doc = it.nextDoc(); doc != KnnVectorValues.DocIndexIterator.NO_MORE_DOCS; doc = it.nextDoc()) {
                    Document d = stored.document(doc);
                    visitor.visit(d.getField(Fields.DOC).numericValue().intValue(), d.getField(Fields.POSITION).numericValue().intValue(),
                            d.get(Fields.TOKEN), UnitVectors.scaled(values.vectorValue(it.index()), length(d, layer)));
                }
            }
        } catch (IOException e) {
            throw damaged(dir, e);
        }
    }

    /** The text of document {@code doc} (its line number). */
    public String text(int doc) {
        try {
            TopDocs top = searcher.search(IntField.newExactQuery(Fields.LINE, doc), 1);
            if (top.scoreDocs.length == 0) throw new CorpusException(dir + " is damaged: it lacks the text of document " + doc);
            return searcher.storedFields().document(top.scoreDocs[0].doc).get(Fields.TEXT);
        } catch (IOException e) {
            throw damaged(dir, e);
        }
    }

    /** cos(a, b) = a·b / (‖a‖‖b‖), in double. */
    public static double cosine(float[] a, float[] b) {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
    }

    @Override
    public void close() {
        closeQuietly(reader);
        for (Directory d : directories) closeQuietly(d);
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing a reader of a damaged index: the error that matters was reported already
        }
    }
}
