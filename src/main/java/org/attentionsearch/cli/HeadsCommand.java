package org.attentionsearch.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusException;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.CorpusHeads;
import org.attentionsearch.corpus.HeadStatistics;
import org.attentionsearch.corpus.HeadStatisticsJson;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "heads", mixinStandardHelpOptions = true, description = {
        "What every head does over a corpus: its mean effective results and the share of its weight on the previous token, "
                + "the same token elsewhere, the first token, special tokens and sinks, its share of the layer's output, "
                + "and for a decoder its induction score on repeated random tokens."})
final class HeadsCommand implements Callable<Integer> {

    @Mixin ModelOptions options;

    @Option(names = "--input", required = true, paramLabel = "CORPUS",
            description = "The corpus: UTF-8 text with one document per line, or JSON Lines with a \"text\" field.")
    Path input;

    @Option(names = "--format", paramLabel = "auto|text|jsonl",
            description = "How lines hold documents (default auto: JSON Lines for .jsonl, .ndjson and .json files, else text).")
    String format;

    @Option(names = "--json", description = "One JSON object: {\"texts\",\"tokens\",\"heads\":[…]} (schema: docs/json.md).")
    boolean json;

    @Override
    public Integer call() {
        CorpusHeads.Report report;
        Model model;
        try {
            CorpusFile.Format fmt = CorpusFile.Format.parse(format, input);
            if (!java.nio.file.Files.isRegularFile(input)) throw new UsageException("cannot read " + input + ": no such file");
            model = options.load();
            try (Progress progress = Progress.forInput(input.toString(), System.err)) {
                var sums = CorpusHeads.sums(model, input, fmt, CorpusBatches.of(model), lines -> {
                    if (progress != null) progress.advance(lines);
                });
                report = CorpusHeads.report(model, sums);
            }
        } catch (CorpusException e) {
            throw new UsageException(e.getMessage());
        }
        if (json) {
            try (JsonLines lines = new JsonLines(System.out)) {
                ModelFingerprint fingerprint = ModelFingerprint.of(model, options.modelName());
                lines.object(g -> HeadStatisticsJson.writeFields(g, report, fingerprint));
                lines.flush();
            }
        } else {
            print(report);
        }
        return 0;
    }

    private void print(CorpusHeads.Report report) {
        PrintStream out = System.out;
        Style style = Style.detect();
        out.println(style.bold("Heads over " + report.texts() + " documents, " + report.tokens() + " tokens")
                + style.dim("  (shares: mean weight per query on that kind of key)"));
        out.println(style.dim("layer head  effective  previous  duplicate  first  special  sinks  value-share  induction"));
        for (HeadStatistics h : report.heads()) {
            out.println(String.format(Locale.ROOT, "%5d %4d  %9.2f  %8.3f  %9.3f  %5.3f  %7.3f  %5.3f  %11.3f  %9s",
                    h.layer(), h.head(), h.effectiveResults(), h.previousToken(), h.duplicateToken(), h.firstToken(),
                    h.specialTokens(), h.sinks(), h.valueShare(),
                    Double.isNaN(h.induction()) ? "–" : String.format(Locale.ROOT, "%.3f", h.induction())));
        }
    }
}
