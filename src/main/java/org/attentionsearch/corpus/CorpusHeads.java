package org.attentionsearch.corpus;

import java.nio.file.Path;
import java.util.List;
import java.util.function.IntConsumer;

import org.attentionsearch.model.Model;

/** {@code heads}: what every head does, averaged over a corpus, plus a decoder's induction scores. */
public final class CorpusHeads {

    /** The report: how much was read, and every head's statistics, layer by layer. */
    public record Report(long texts, long tokens, List<HeadStatistics> heads) {
    }

    private CorpusHeads() {
    }

    /** The sums over every document of a corpus file, read a batch at a time. */
    public static HeadSums sums(Model model, Path input, CorpusFile.Format format, CorpusBatches batches, IntConsumer progress) {
        HeadSums sums = new HeadSums(model.config().layers(), model.config().heads());
        try (CorpusFile corpus = CorpusFile.open(input, format)) {
            int read = 0;
            while (true) {
                List<CorpusText> texts = corpus.next(64);
                if (texts.isEmpty() && corpus.lines() == read) break;
                batches.run(texts, analysed -> analysed.forEach(x -> sums.add(x.analysis(), model.tokenizer())));
                progress.accept(corpus.lines() - read);
                read = corpus.lines();
            }
        }
        if (sums.texts() == 0) throw new CorpusException(input + " holds no document (every line is blank)");
        return sums;
    }

    /** The report from the corpus's sums (of one run, or merged from parts). */
    public static Report report(Model model, HeadSums sums) {
        return new Report(sums.texts(), sums.tokens(), sums.means(InductionScore.of(model)));
    }
}
