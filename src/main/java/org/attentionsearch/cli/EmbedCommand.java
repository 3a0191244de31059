package org.attentionsearch.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.Output;
import org.attentionsearch.text.Encoding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "embed", mixinStandardHelpOptions = true, description = "Sentence embeddings by the model's pooling (and, with --tokens, every token's vector).")
final class EmbedCommand implements Callable<Integer> {

    @Mixin ModelOptions options;
    @Mixin TextInput input;

    @Option(names = "--json", description = "One JSON object per text: {\"embedding\":[…]} (plus \"hidden\" with --tokens).")
    boolean json;

    @Option(names = "--tokens", description = "Also print every token's final vector (an encoder's last hidden state, a decoder's final norm output).")
    boolean tokens;

    @Option(names = "--no-truncate", description = "Refuse texts longer than the model's positions instead of cutting them.")
    boolean noTruncate;

    @Option(names = "--batch", paramLabel = "N", description = "Texts per forward pass, 1 to 4096 (default: 32).")
    int batchSize = 32;

    @Override
    public Integer call() {
        if (batchSize < 1 || batchSize > 4096) throw new UsageException("--batch must be between 1 and 4096");
        input.checkSource();
        Model model = options.load();
        int h = model.config().hiddenSize();
        PrintStream out = System.out, err = System.err;
        try (JsonLines lines = new JsonLines(out); Progress progress = Progress.forInput(input.input, err)) {
            input.forEachBatch(batchSize, batch -> {
                List<Encoding> encodings = batch.each(t -> Truncation.check(model, t.value(), t.number() - 1, noTruncate, err).encoding());
                List<Embedded> embedded = batch.together(encodings, live -> {
                    Output result = model.forward(live, false);
                    List<Embedded> each = new ArrayList<>(live.size());
                    for (int b = 0; b < live.size(); b++) each.add(new Embedded(live.get(b), result.hidden(b)));
                    return each;
                });
                batch.answer(embedded, lines, (t, one) -> {
                    Encoding e = one.encoding();
                    float[] hidden = one.hidden();
                    int n = e.length();
                    float[] embedding = model.pooling().pool(hidden, n, h);
                    if (json || input.fromFile()) {
                        lines.object(g -> {
                            g.writeFieldName("embedding");
                            JsonLines.floats(g, embedding, 0, h);
                            if (tokens) {
                                g.writeArrayFieldStart("hidden");
                                for (int i = 0; i < n; i++) JsonLines.floats(g, hidden, i * h, (i + 1) * h);
                                g.writeEndArray();
                            }
                        });
                    } else {
                        out.printf("%s%n  %d-d embedding (%s pooling%s): %s%n", t.value(), h,
                                model.pooling().modeName(), model.pooling().normalize() ? ", L2-normalised" : "",
                                preview(embedding, 0, h));
                        if (tokens) {
                            for (int i = 0; i < n; i++) {
                                out.printf("  %4d %-14s %s%n", i, e.tokens()[i], preview(hidden, i * h, (i + 1) * h));
                            }
                        }
                    }
                });
                lines.flush();
                if (progress != null) progress.advance(batch.size());
            });
        }
        return 0;
    }

    /** A text's tokens and every token's final vector. */
    private record Embedded(Encoding encoding, float[] hidden) {
    }

    private static String preview(float[] v, int from, int to) {
        StringBuilder s = new StringBuilder("[");
        for (int i = from; i < Math.min(to, from + 6); i++) s.append(String.format(java.util.Locale.ROOT, "%+.4f, ", v[i]));
        return s.append("… ").append(to - from).append(" values]").toString();
    }
}
