package org.attentionsearch.cli;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.TreeSet;
import java.util.concurrent.Callable;

import org.attentionsearch.corpus.CorpusBatches;
import org.attentionsearch.corpus.CorpusException;
import org.attentionsearch.corpus.CorpusFile;
import org.attentionsearch.corpus.IndexManifest;
import org.attentionsearch.corpus.Indexer;
import org.attentionsearch.corpus.ModelFingerprint;
import org.attentionsearch.model.Model;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "index", mixinStandardHelpOptions = true, description = {
        "Index a corpus: every token occurrence with its residual-stream vector at the chosen layers (Lucene HNSW, cosine) "
                + "and what each head does there, for search.",
        "An interrupted run resumes when run again with the same --input, --out, model and layers."})
final class IndexCommand implements Callable<Integer> {

    @Mixin ModelOptions options;

    @Option(names = "--input", required = true, paramLabel = "CORPUS",
            description = "The corpus: UTF-8 text with one document per line, or JSON Lines with a \"text\" field.")
    Path input;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Where to write the index (a new or empty directory).")
    Path out;

    @Option(names = "--layers", paramLabel = "0,3,5|last|all", description = {
            "The layers whose vectors are indexed (default: last, the model's last hidden state, which search asks by default).",
            "Each layer adds its own HNSW graph: all six of MiniLM index about 2.5 times slower and take six times the room."})
    String layers = "last";

    @Option(names = "--format", paramLabel = "auto|text|jsonl",
            description = "How lines hold documents (default auto: JSON Lines for .jsonl, .ndjson and .json files, else text).")
    String format;

    @Option(names = "--json", description = "Print the finished index's manifest as one JSON object.")
    boolean json;

    @Override
    public Integer call() {
        CorpusFile.Format fmt;
        try {
            fmt = CorpusFile.Format.parse(format, input);
        } catch (CorpusException e) {
            throw new UsageException(e.getMessage());
        }
        if (!java.nio.file.Files.isRegularFile(input)) throw new UsageException("cannot read " + input + ": no such file");
        Model model = options.load();
        int[] chosen = parseLayers(layers, model.config().layers());
        PrintStream err = System.err;
        long t0 = System.nanoTime();
        IndexManifest m;
        try (Progress progress = Progress.forInput(input.toString(), err)) {
            Indexer indexer = new Indexer(model, ModelFingerprint.of(model, options.modelName()), chosen, CorpusBatches.of(model));
            m = indexer.run(input, fmt, out,
                    lines -> err.println("resuming the unfinished index in " + out + " after line " + lines),
                    lines -> { if (progress != null) progress.advance(lines); });
        } catch (CorpusException e) {
            throw new UsageException(e.getMessage());
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (json) {
            try (JsonLines lines = new JsonLines(System.out)) {
                lines.object(g -> {
                    g.writeStringField("index", out.toString());
                    g.writeStringField("model", m.model().name());
                    g.writeStringField("fingerprint", m.model().digest());
                    g.writeArrayFieldStart("layers");
                    for (int l : m.layers()) g.writeNumber(l);
                    g.writeEndArray();
                    g.writeNumberField("lines", m.lines());
                    g.writeNumberField("texts", m.texts());
                    g.writeNumberField("tokens", m.tokens());
                    g.writeNumberField("truncated", m.truncated());
                });
                lines.flush();
            }
        } else {
            System.out.printf(Locale.ROOT, "indexed %,d documents (%,d tokens) of %s at layer%s %s with %s into %s in %.1f s%n",
                    m.texts(), m.tokens(), input, m.layers().length == 1 ? "" : "s", m.layerList(), m.model().name(), out, seconds);
            if (m.truncated() > 0) System.out.printf("%d documents were cut to fit the model's positions or the memory%n", m.truncated());
        }
        return 0;
    }

    /** "last", "all", or layer numbers separated by commas, each in range; sorted, without repeats. */
    static int[] parseLayers(String spec, int layerCount) {
        if (spec.equalsIgnoreCase("last")) return new int[] {layerCount - 1};
        if (spec.equalsIgnoreCase("all")) {
            int[] all = new int[layerCount];
            for (int l = 0; l < layerCount; l++) all[l] = l;
            return all;
        }
        TreeSet<Integer> set = new TreeSet<>();
        for (String part : spec.split(",")) {
            int l;
            try {
                l = Integer.parseInt(part.strip());
            } catch (NumberFormatException e) {
                throw new UsageException("--layers takes layer numbers separated by commas, last or all; not '" + spec + "'");
            }
            if (l < 0 || l >= layerCount) throw new UsageException("layer " + l + " is out of range 0.." + (layerCount - 1));
            set.add(l);
        }
        return set.stream().mapToInt(Integer::intValue).toArray();
    }
}
