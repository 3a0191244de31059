package org.attentionsearch.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene104.Lucene104Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.StoredField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.store.FSDirectory;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusText;
import org.attentionsearch.corpus.StateOfTheUnion;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Output;
import org.attentionsearch.text.Encoding;

/**
 * What the HNSW graph alone costs, against the forward pass that makes its vectors: MiniLM's
 * last hidden states of {@code -Dlines} lines (default 600) of the State of the Union addresses,
 * as unit vectors, added to a Lucene index holding nothing else, on one thread, for each
 * construction beam of {@code -Dbeams} (default 100,50,32,16) with {@code -Dneighbours} a node
 * (default 16) and a 64 MB buffer, as {@code index}. For each beam: the thread's CPU time per
 * token, the forward pass's (untraced, every thread of the process) per token, their ratio,
 * and recall@10 of a search of the 100 nearest by the graph, ranked by their exact dot product,
 * against an exact scan. One JSON line per beam.
 *
 * <p>Run: {@code ./mvnw -q -Pbench test-compile exec:exec -Dbench.main=org.attentionsearch.bench.GraphCost -Dlines=600}
 */
public final class GraphCost {

    private static final int QUERY_LINES = 20, QUERY_STRIDE = 7, K = 10, CANDIDATES = 100, WARM_UP_LINES = 64;

    public static void main(String[] args) throws IOException {
        Parallel.setThreads(Integer.getInteger("threads", Runtime.getRuntime().availableProcessors()));
        int lines = Integer.getInteger("lines", 600);
        int[] beams = Arrays.stream(System.getProperty("beams", "100,50,32,16").split(",")).mapToInt(Integer::parseInt).toArray();
        int neighbours = Integer.getInteger("neighbours", 16);
        Path dir = Files.createTempDirectory("graph-cost");
        Path file = StateOfTheUnion.write(dir.resolve("sotu.jsonl"), 1790, 2100, lines + QUERY_LINES, 3);
        List<CorpusText> texts = new ArrayList<>();
        try (CorpusFile f = CorpusFile.open(file, CorpusFile.Format.JSON_LINES)) {
            for (List<CorpusText> batch; !(batch = f.next(1024)).isEmpty(); ) texts.addAll(batch);
        }
        Model model = Model.embedded();
        directions(model, texts.subList(0, WARM_UP_LINES));
        long cpu0 = processCpuNanos();
        List<float[]> vectors = directions(model, texts.subList(0, lines));
        double embedMicros = (processCpuNanos() - cpu0) / 1e3 / vectors.size();
        List<float[]> queries = new ArrayList<>();
        List<float[]> after = directions(model, texts.subList(lines, texts.size()));
        for (int q = 0; q < after.size(); q += QUERY_STRIDE) queries.add(after.get(q));
        List<Set<Integer>> exact = new ArrayList<>();
        for (float[] q : queries) exact.add(nearest(q, vectors));

        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        for (int beam : beams) {
            Path out = dir.resolve("beam-" + beam);
            KnnVectorsFormat hnsw = new Lucene99HnswVectorsFormat(neighbours, beam);
            IndexWriterConfig config = new IndexWriterConfig().setRAMBufferSizeMB(64).setCodec(new Lucene104Codec() {
                @Override
                public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                    return hnsw;
                }
            });
            long t0 = threads.getCurrentThreadCpuTime();
            try (FSDirectory d = FSDirectory.open(out); IndexWriter w = new IndexWriter(d, config)) {
                for (int i = 0; i < vectors.size(); i++) {
                    Document doc = new Document();
                    doc.add(new StoredField("i", i));
                    doc.add(new KnnFloatVectorField("v", vectors.get(i), VectorSimilarityFunction.DOT_PRODUCT));
                    w.addDocument(doc);
                }
                w.commit();
            }
            double graphMicros = (threads.getCurrentThreadCpuTime() - t0) / 1e3 / vectors.size();
            int found = 0;
            try (FSDirectory d = FSDirectory.open(out); DirectoryReader r = DirectoryReader.open(d)) {
                IndexSearcher s = new IndexSearcher(r);
                for (int q = 0; q < queries.size(); q++) {
                    float[] query = queries.get(q);
                    ScoreDoc[] hits = s.search(new KnnFloatVectorQuery("v", query, CANDIDATES), CANDIDATES).scoreDocs;
                    Integer[] ids = new Integer[hits.length];
                    for (int h = 0; h < hits.length; h++) ids[h] = s.storedFields().document(hits[h].doc).getField("i").numericValue().intValue();
                    Arrays.sort(ids, (a, b) -> Double.compare(dot(query, vectors.get(b)), dot(query, vectors.get(a))));
                    for (int h = 0; h < Math.min(K, ids.length); h++) if (exact.get(q).contains(ids[h])) found++;
                }
            }
            System.out.printf(Locale.ROOT, "{\"beam\":%d,\"neighbours\":%d,\"tokens\":%d,\"graphMicrosPerToken\":%.1f,"
                            + "\"forwardMicrosPerToken\":%.1f,\"graphOverForward\":%.3f,\"recallAt10\":%.4f,\"queries\":%d}%n", beam, neighbours,
                    vectors.size(), graphMicros, embedMicros, graphMicros / embedMicros, (double) found / (K * queries.size()), queries.size());
        }
    }

    /** Every token's last hidden state, as a unit vector, from untraced passes of 32 texts. */
    private static List<float[]> directions(Model model, List<CorpusText> texts) {
        List<float[]> out = new ArrayList<>();
        for (int i = 0; i < texts.size(); i += 32) {
            List<Encoding> encodings = new ArrayList<>();
            for (CorpusText t : texts.subList(i, Math.min(texts.size(), i + 32))) encodings.add(model.tokenize(t.text()).encoding());
            Output o = model.forward(encodings, false);
            for (int b = 0; b < encodings.size(); b++) {
                float[] h = o.hidden(b);
                for (int p = 0; p < encodings.get(b).length(); p++) out.add(unit(Arrays.copyOfRange(h, p * o.width(), (p + 1) * o.width())));
            }
        }
        return out;
    }

    private static float[] unit(float[] v) {
        double length = Math.sqrt(dot(v, v));
        for (int i = 0; i < v.length; i++) v[i] = (float) (v[i] / length);
        return v;
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (double) a[i] * b[i];
        return s;
    }

    /** The indices of the K vectors with the largest dot product with q, by a scan of them all. */
    private static Set<Integer> nearest(float[] q, List<float[]> vectors) {
        Integer[] order = new Integer[vectors.size()];
        double[] score = new double[vectors.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
            score[i] = dot(q, vectors.get(i));
        }
        Arrays.sort(order, (a, b) -> Double.compare(score[b], score[a]));
        return new HashSet<>(Arrays.asList(order).subList(0, K));
    }

    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }
}
