package org.attentionsearch.corpus;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Streaming;

/**
 * Runs documents through the model a batch at a time, each with its full trace: as many texts
 * per traced pass as fit in a memory budget, so that memory stays flat whatever the corpus.
 * A text whose full attention would not fit on its own is cut to the longest that does (and
 * counted as truncated, like one longer than the model's positions).
 */
public final class CorpusBatches {

    private final Model model;
    private final long budget;
    private final int maxTexts;

    /**
     * @param budget   bytes the analyses of one batch may hold (a share of the heap)
     * @param maxTexts texts per traced pass at most
     */
    public CorpusBatches(Model model, long budget, int maxTexts) {
        this.model = model;
        this.budget = budget;
        this.maxTexts = maxTexts;
    }

    /** A budget of a quarter of the heap, 16 texts per pass. */
    public static CorpusBatches of(Model model) {
        return new CorpusBatches(model, Runtime.getRuntime().maxMemory() / 4, 16);
    }

    /** One analysed document of a batch. */
    public record Analysed(CorpusText text, Analysis analysis) {
    }

    /** Analyses {@code texts} (in order) and hands each traced pass's documents to {@code sink}. */
    public void run(List<CorpusText> texts, Consumer<List<Analysed>> sink) {
        int longest = Streaming.past(budget).fullLimit(model.config());
        if (longest < 1) throw new CorpusException("this process has too little memory to trace even one token; give Java more (-Xmx)");
        List<CorpusText> batch = new ArrayList<>();
        List<Model.Tokenized> tokenized = new ArrayList<>();
        long bytes = 0;
        for (CorpusText t : texts) {
            Model.Tokenized one = fit(model.tokenize(t.text()), longest);
            long need = Analysis.estimatedBytes(model.config(), one.encoding().length());
            if (!batch.isEmpty() && (batch.size() == maxTexts || bytes + need > budget)) {
                flush(batch, tokenized, sink);
                batch = new ArrayList<>();
                tokenized = new ArrayList<>();
                bytes = 0;
            }
            batch.add(t);
            tokenized.add(one);
            bytes += need;
        }
        if (!batch.isEmpty()) flush(batch, tokenized, sink);
    }

    private void flush(List<CorpusText> batch, List<Model.Tokenized> tokenized, Consumer<List<Analysed>> sink) {
        List<Analysis> analyses = Analysis.of(model, tokenized);
        List<Analysed> out = new ArrayList<>(batch.size());
        for (int i = 0; i < batch.size(); i++) out.add(new Analysed(batch.get(i), analyses.get(i)));
        sink.accept(out);
    }

    /** The text cut to {@code longest} tokens when it is longer. */
    private static Model.Tokenized fit(Model.Tokenized t, int longest) {
        int n = t.encoding().length();
        if (n <= longest) return t;
        var cut = t.encoding().truncate(longest);
        return new Model.Tokenized(t.text(), cut, t.dropped() + n - cut.length());
    }
}
