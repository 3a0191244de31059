package org.attentionsearch.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The index against a scan of every stored vector, and its stored vectors against fresh passes. */
class CorpusIndexTest {

    private static final int[] LAYERS = {2, 5};

    @TempDir static Path tmp;
    static Model model;
    static ModelFingerprint fingerprint;
    static Path corpus, index;
    static List<String> lines;

    @BeforeAll
    static void build() {
        model = TestModels.MINILM.model();
        fingerprint = ModelFingerprint.of(model, "all-MiniLM-L6-v2");
        lines = TestCorpora.sentences(70, 7);
        corpus = TestCorpora.write(tmp.resolve("corpus.txt"), lines);
        index = tmp.resolve("index");
        new Indexer(model, fingerprint, LAYERS, CorpusBatches.of(model)).run(corpus, CorpusFile.Format.TEXT, index, l -> { }, l -> { });
    }

    @Test
    void theManifestCountsEveryNonBlankLineAndEveryToken() {
        try (CorpusIndex c = CorpusIndex.open(index)) {
            IndexManifest m = c.manifest();
            long texts = lines.stream().filter(l -> !l.isBlank()).count();
            long tokens = lines.stream().filter(l -> !l.isBlank()).mapToLong(l -> model.tokenize(l).encoding().length()).sum();
            assertEquals(70, m.lines());
            assertEquals(texts, m.texts());
            assertEquals(tokens, m.tokens());
            assertEquals(fingerprint.digest(), m.model().digest());
            assertEquals("2, 5", m.layerList());
        }
    }

    @Test
    void theIndexKeepsTheHeadStatisticsThatHeadsGivesOnItsCorpus() {
        CorpusHeads.Report direct = CorpusHeads.report(model, CorpusHeads.sums(model, corpus, CorpusFile.Format.TEXT,
                CorpusBatches.of(model), l -> { }));
        HeadStatisticsJson.Loaded stored = HeadStatisticsJson.ofIndex(index).orElseThrow();
        assertEquals(fingerprint.digest(), stored.model().digest());
        assertEquals(6, stored.layers());
        assertEquals(12, stored.heads());
        assertSameStatistics(direct, stored.report(), 1e-12);
    }

    static void assertSameStatistics(CorpusHeads.Report expected, CorpusHeads.Report got, double tolerance) {
        assertEquals(expected.texts(), got.texts());
        assertEquals(expected.tokens(), got.tokens());
        assertEquals(expected.heads().size(), got.heads().size());
        for (int i = 0; i < expected.heads().size(); i++) {
            HeadStatistics e = expected.heads().get(i), g = got.heads().get(i);
            assertEquals(e.layer() + "/" + e.head(), g.layer() + "/" + g.head());
            double[] want = HeadStatisticsJson.values(e), have = HeadStatisticsJson.values(g);
            for (int x = 0; x < want.length; x++) {
                String where = "layer " + e.layer() + " head " + e.head() + " " + HeadStatisticsJson.STATISTICS.get(x);
                if (Double.isNaN(want[x])) assertTrue(Double.isNaN(have[x]), where);
                else assertEquals(want[x], have[x], tolerance, where);
            }
        }
    }

    /** recall@10 of the HNSW search against the exact top 10 by cosine over every stored vector. */
    @Test
    void searchFindsTheBruteForceNearestNeighbours() {
        String[][] queries = {{"He rowed along the bank of the river.", "bank"}, {"She paid the bank a visit.", "bank"},
                {"The farmer waited by the church.", "church"}, {"A judge looked at the harbour.", "harbour"},
                {"Rain fell on the market all day.", "market"}, {"We crossed the bridge at noon.", "bridge"},
                {"The doctor sold his bakery.", "doctor"}, {"Lunch was quiet.", "quiet"}};
        try (CorpusIndex c = CorpusIndex.open(index)) {
            for (int layer : LAYERS) {
                List<Stored> all = new ArrayList<>();
                c.forEach(layer, (doc, position, token, vector) -> all.add(new Stored(doc, position, vector)));
                assertEquals(c.manifest().tokens(), all.size());
                int found = 0, wanted = 0;
                for (String[] q : queries) {
                    Analysis a = Analysis.of(model, q[0]);
                    int position = a.tokens().stream().filter(t -> t.text().equals(q[1])).findFirst().orElseThrow().position();
                    float[] v = CorpusSearch.query(a, position, layer).vector();
                    Set<String> exact = new HashSet<>();
                    all.stream().sorted(Comparator.comparingDouble((Stored s) -> -CorpusIndex.cosine(v, s.vector)))
                            .limit(10).forEach(s -> exact.add(s.doc + ":" + s.position));
                    List<Hit> hits = c.search(layer, v, 10, SearchFilter.NONE, q[1]);
                    assertEquals(10, hits.size());
                    for (Hit h : hits) if (exact.contains(h.doc() + ":" + h.position())) found++;
                    wanted += 10;
                    for (int i = 1; i < hits.size(); i++) assertTrue(hits.get(i - 1).similarity() >= hits.get(i).similarity());
                }
                double recall = (double) found / wanted;
                assertTrue(recall >= 0.99, "recall@10 at layer " + layer + " is " + recall);
            }
        }
    }

    /** A hit's stored vector is the residual stream leaving the layer in a fresh pass over its document alone. */
    @Test
    void aHitsStoredVectorIsAFreshPassOverItsDocument() {
        try (CorpusIndex c = CorpusIndex.open(index)) {
            Analysis q = Analysis.of(model, "The clerk walked to the savings bank.");
            int position = 6;
            assertEquals("savings", q.tokens().get(position).text());
            for (Hit h : c.search(5, CorpusSearch.query(q, position, 5).vector(), 5, SearchFilter.NONE, "savings")) {
                assertEquals(lines.get(h.doc()), c.text(h.doc()));
                Analysis fresh = Analysis.of(model, lines.get(h.doc()));
                assertEquals(fresh.tokens().get(h.position()).text(), h.token());
                float[] v = Contexts.vector(fresh, 5, h.position());
                for (int x = 0; x < v.length; x++) assertEquals(v[x], h.vector()[x], 1e-5f, "dimension " + x);
            }
        }
    }

    @Test
    void filtersKeepTheSameTokenOtherTokensOrAHeadsOffset() {
        try (CorpusIndex c = CorpusIndex.open(index)) {
            Analysis q = Analysis.of(model, "A boat was tied to the river bank.");
            int position = 8;
            assertEquals("bank", q.tokens().get(position).text());
            float[] v = CorpusSearch.query(q, position, 2).vector();
            List<Hit> same = c.search(2, v, 10, new SearchFilter(SearchFilter.Tokens.SAME, null, null, false), "bank");
            assertEquals(10, same.size());
            same.forEach(h -> assertEquals("bank", h.token()));
            c.search(2, v, 10, new SearchFilter(SearchFilter.Tokens.OTHER, null, null, false), "bank")
                    .forEach(h -> assertFalse(h.token().equals("bank")));
            List<Hit> previous = c.search(2, v, 10, new SearchFilter(SearchFilter.Tokens.ANY, 3, -1, false), "bank");
            assertFalse(previous.isEmpty());
            previous.forEach(h -> assertEquals(-1, h.heads()[3].offset()));
            c.search(2, v, 10, new SearchFilter(SearchFilter.Tokens.ANY, null, null, true), "bank").forEach(h -> {
                boolean any = false;
                for (HeadSummary s : h.heads()) any |= s.sink();
                assertTrue(any);
            });
        }
    }

    @Test
    void anInterruptedRunResumesToTheSameIndex() throws Exception {
        Path dir = tmp.resolve("interrupted");
        List<String> first = lines.subList(0, 30);
        // A run that committed its first 20 lines, then added more and died before its next commit.
        try (CorpusIndexWriter w = CorpusIndexWriter.open(dir, fingerprint, LAYERS);
             CorpusFile f = CorpusFile.open(corpus, CorpusFile.Format.TEXT)) {
            List<CorpusText> texts = f.next(1000).stream().filter(t -> t.doc() < 20).toList();
            CorpusFile g = CorpusFile.open(corpus, CorpusFile.Format.TEXT);
            g.skip(20);
            for (CorpusText t : texts) w.add(Analysis.of(model, t.text()), t.doc());
            w.commit(20, g.checksum(), corpus.toString());
            g.close();
            for (String extra : first.subList(20, 30)) if (!extra.isBlank()) w.add(Analysis.of(model, extra), 99);
        }
        CorpusException unfinished = assertThrows(CorpusException.class, () -> CorpusIndex.open(dir));
        assertTrue(unfinished.getMessage().contains("unfinished index (stopped after 20 lines)"), unfinished.getMessage());
        // Another corpus is not taken for the same one.
        Path other = TestCorpora.write(tmp.resolve("other.txt"), TestCorpora.sentences(70, 8));
        CorpusException mismatch = assertThrows(CorpusException.class, () ->
                new Indexer(model, fingerprint, LAYERS, CorpusBatches.of(model)).run(other, CorpusFile.Format.TEXT, dir, l -> { }, l -> { }));
        assertTrue(mismatch.getMessage().contains("is not the file whose first 20 lines"), mismatch.getMessage());
        int[] resumedAt = {-1};
        new Indexer(model, fingerprint, LAYERS, CorpusBatches.of(model)).run(corpus, CorpusFile.Format.TEXT, dir, l -> resumedAt[0] = l, l -> { });
        assertEquals(20, resumedAt[0]);
        try (CorpusIndex resumed = CorpusIndex.open(dir); CorpusIndex whole = CorpusIndex.open(index)) {
            assertEquals(whole.manifest().tokens(), resumed.manifest().tokens());
            assertEquals(whole.manifest().texts(), resumed.manifest().texts());
            float[] v = CorpusSearch.query(Analysis.of(model, "The mayor visited the school."), 4, 5).vector();
            assertEquals(keys(whole.search(5, v, 10, SearchFilter.NONE, "school")), keys(resumed.search(5, v, 10, SearchFilter.NONE, "school")));
        }
        // The statistics count the committed documents once and the dropped ones not at all.
        assertSameStatistics(HeadStatisticsJson.ofIndex(index).orElseThrow().report(), HeadStatisticsJson.ofIndex(dir).orElseThrow().report(), 1e-6);
        CorpusException finished = assertThrows(CorpusException.class, () ->
                new Indexer(model, fingerprint, LAYERS, CorpusBatches.of(model)).run(corpus, CorpusFile.Format.TEXT, dir, l -> { }, l -> { }));
        assertTrue(finished.getMessage().contains("already holds a finished index"), finished.getMessage());
    }

    /** An unfinished index whose commit names no format (or another) was written by an earlier version: refused, never continued. */
    @Test
    void anUnfinishedIndexOfAnEarlierFormatIsNotResumed() throws Exception {
        Path dir = tmp.resolve("earlier-format");
        try (CorpusIndexWriter w = CorpusIndexWriter.open(dir, fingerprint, LAYERS)) {
            w.add(Analysis.of(model, lines.getFirst()), 0);
            w.commit(1, 0, corpus.toString());
        }
        // The commit as format 1 wrote it: the same progress, without the format.
        try (org.apache.lucene.store.Directory d = org.apache.lucene.store.FSDirectory.open(dir);
             org.apache.lucene.index.IndexWriter raw = new org.apache.lucene.index.IndexWriter(d,
                     new org.apache.lucene.index.IndexWriterConfig().setOpenMode(org.apache.lucene.index.IndexWriterConfig.OpenMode.APPEND))) {
            java.util.Map<String, String> data = new java.util.HashMap<>(org.apache.lucene.index.DirectoryReader.listCommits(d).getLast().getUserData());
            data.remove("format");
            raw.setLiveCommitData(data.entrySet());
            raw.commit();
        }
        CorpusException e = assertThrows(CorpusException.class, () -> CorpusIndexWriter.open(dir, fingerprint, LAYERS));
        assertEquals(dir + " holds an unfinished index of an earlier format, which cannot be continued; delete it and index again", e.getMessage());
        assertTrue(CorpusIndexWriter.finished(dir, fingerprint, LAYERS).isEmpty(), "a Spark shard of an earlier format is built again");
    }

    @Test
    void jsonLinesGiveTheirTextFieldAndKeepLineNumbers() throws Exception {
        Path jsonl = tmp.resolve("c.jsonl");
        Files.writeString(jsonl, "{\"text\":\"The harbour was calm.\",\"year\":1790}\n\n{\"text\":\"A bank by the river.\"}\n");
        try (CorpusFile f = CorpusFile.open(jsonl, CorpusFile.Format.guess(jsonl))) {
            assertEquals(List.of(new CorpusText(0, "The harbour was calm."), new CorpusText(2, "A bank by the river.")), f.next(10));
        }
        Files.writeString(jsonl, "{\"title\":\"no text\"}\n");
        try (CorpusFile f = CorpusFile.open(jsonl, CorpusFile.Format.JSON_LINES)) {
            CorpusException e = assertThrows(CorpusException.class, () -> f.next(10));
            assertEquals("line 1 of " + jsonl + " has no \"text\" string", e.getMessage());
        }
    }

    /** Residual streams wider than Lucene's default limit of 1,024 dimensions go into the wide vector format. */
    @Test
    void vectorsWiderThanLucenesDefaultLimitAreIndexed() {
        var config = org.attentionsearch.model.ModelConfig.llama(org.attentionsearch.model.ModelType.LLAMA, RandomDecoders.VOCAB, 1100, 1,
                2, 1, 16, 16, 64, 1e-6f, org.attentionsearch.model.Rope.plain(10000, 16), false, false, false, 0);
        var random = RandomDecoders.checkpoint(config, 4);
        Model wide = Model.load(new org.attentionsearch.weights.Checkpoint(random.config(), random.tensors(),
                InductionModels.vocabulary(RandomDecoders.VOCAB), null, random.source()));
        Path file = TestCorpora.write(tmp.resolve("wide.txt"), List.of("t5 t9 t12", "t7 t9 t30 t31"));
        Path dir = tmp.resolve("wide");
        new Indexer(wide, ModelFingerprint.of(wide, "wide"), new int[] {0}, CorpusBatches.of(wide))
                .run(file, CorpusFile.Format.TEXT, dir, l -> { }, l -> { });
        try (CorpusIndex c = CorpusIndex.open(dir)) {
            Analysis a = Analysis.of(wide, "t7 t9 t30 t31");
            List<Hit> hits = c.search(0, CorpusSearch.query(a, 1, 0).vector(), 1, SearchFilter.NONE, "t9");
            assertEquals(1, hits.getFirst().doc());
            assertEquals(1, hits.getFirst().position());
            assertEquals(1.0, hits.getFirst().similarity(), 1e-6);
            assertEquals(1100, hits.getFirst().vector().length);
        }
    }

    private static List<String> keys(List<Hit> hits) {
        return hits.stream().map(h -> h.doc() + ":" + h.position()).toList();
    }

    private record Stored(int doc, int position, float[] vector) {
    }
}
