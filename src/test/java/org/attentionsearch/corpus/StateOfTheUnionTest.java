package org.attentionsearch.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;

import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.testing.TestModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The corpus search on a real corpus: the first sentences of Washington's first State of the Union address. */
class StateOfTheUnionTest {

    @TempDir Path tmp;

    @Test
    void wordsAreFoundWhereTheAddressesUseThemTheSameWay() {
        Model model = TestModels.MINILM.model();
        Path corpus = StateOfTheUnion.write(tmp.resolve("sotu.jsonl"), 1790, 1791, 30);
        Path index = tmp.resolve("index");
        IndexManifest m = new Indexer(model, ModelFingerprint.of(model, "all-MiniLM-L6-v2"), new int[] {4}, CorpusBatches.of(model))
                .run(corpus, CorpusFile.Format.guess(corpus), index, l -> { }, l -> { });
        assertEquals(30, m.texts());
        try (CorpusIndex c = CorpusIndex.open(index)) {
            for (String word : List.of("credit", "militia", "commerce")) {
                Analysis a = Analysis.of(model, "Congress must attend to the " + word + " of the nation.");
                int position = a.tokens().stream().filter(t -> t.text().equals(word)).findFirst().orElseThrow().position();
                List<Hit> hits = c.search(4, CorpusSearch.query(a, position, 4).vector(), 3, SearchFilter.NONE, word);
                assertEquals(word, hits.getFirst().token(), word + ": " + hits);
                assertTrue(c.text(hits.getFirst().doc()).toLowerCase().contains(word));
            }
        }
    }
}
