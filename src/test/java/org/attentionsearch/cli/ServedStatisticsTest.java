package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusException;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusHeads;
import org.attentionsearch.corpus.HeadStatisticsJson;
import org.attentionsearch.corpus.Indexer;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.model.Model;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.web.ServedHeadStatistics;
import org.attentionsearch.web.ServedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which served model shows which head statistics: a --heads file by the fingerprint it names, else those --index stored. */
class ServedStatisticsTest {

    @TempDir Path tmp;

    @Test
    void filesGoWithTheModelTheyNameAndTheIndexFillsInForTheFirst() throws Exception {
        Model minilm = TestModels.MINILM.model();
        Model decoder = Model.load(SyntheticModels.gguf(SyntheticModels.gpt2()));
        List<ServedModel> served = ServedModel.named(List.of("all-MiniLM-L6-v2", "gpt2.gguf"), List.of(minilm, decoder));
        Path corpus = Files.write(tmp.resolve("c.txt"), List.of("The river bank was muddy.", "A bank raised its rates."));
        Path index = tmp.resolve("index");
        new Indexer(minilm, ModelFingerprint.of(minilm, "all-MiniLM-L6-v2"), new int[] {5}, CorpusBatches.of(minilm))
                .run(corpus, CorpusFile.Format.TEXT, index, l -> { }, l -> { });
        CorpusHeads.Report decoderReport = CorpusHeads.report(decoder, CorpusHeads.sums(decoder, corpus, CorpusFile.Format.TEXT,
                CorpusBatches.of(decoder), l -> { }));
        Path decoderFile = Files.write(tmp.resolve("gpt2-heads.json"),
                HeadStatisticsJson.bytes(decoderReport, ModelFingerprint.of(decoder, "gpt2.gguf")));

        List<ServedHeadStatistics> shown = ServedStatistics.of(served, List.of(decoderFile), index);
        assertEquals(List.of("gpt2.gguf", "all-minilm-l6-v2"), shown.stream().map(ServedHeadStatistics::modelId).toList());
        assertEquals("gpt2-heads.json", shown.get(0).source());
        assertEquals("the index index", shown.get(1).source());
        assertEquals(decoderReport.texts(), shown.get(0).report().texts());
        assertEquals(2, shown.get(1).report().texts());

        // A file for the first model takes the place of the index's statistics; two files for one model are refused.
        Path minilmFile = Files.write(tmp.resolve("minilm-heads.json"),
                HeadStatisticsJson.bytes(shown.get(1).report(), ModelFingerprint.of(minilm, "all-MiniLM-L6-v2")));
        assertEquals(List.of("minilm-heads.json"), ServedStatistics.of(served, List.of(minilmFile), index).stream()
                .map(ServedHeadStatistics::source).toList());
        CorpusException twice = assertThrows(CorpusException.class, () -> ServedStatistics.of(served, List.of(minilmFile, minilmFile), null));
        assertTrue(twice.getMessage().contains("both hold head statistics of all-MiniLM-L6-v2"), twice.getMessage());
    }
}
