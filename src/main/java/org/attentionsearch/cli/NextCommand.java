package org.attentionsearch.cli;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonGenerator;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.NextTokens;
import org.attentionsearch.text.Encoding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "next", mixinStandardHelpOptions = true, description = {
        "A decoder's top next tokens after every position of the text.",
        "With --lens, also what each layer already predicts there (the logit lens)."})
final class NextCommand implements Callable<Integer> {

    @Mixin ModelOptions options;
    @Mixin TextInput input;

    @Option(names = "--top", paramLabel = "K", description = "Predictions per position (default: 5).")
    int top = 5;

    @Option(names = "--lens", description = "Each layer's residual stream through the final norm and the LM head.")
    boolean lens;

    @Option(names = "--json", description = "One JSON object per text (schema: docs/json.md).")
    boolean json;

    @Option(names = "--no-truncate", description = "Refuse texts longer than the model's positions instead of cutting them.")
    boolean noTruncate;

    @Override
    public Integer call() {
        if (top < 1 || top > 1000) throw new UsageException("--top must be between 1 and 1000");
        input.checkSource();
        Model model = options.load();
        if (!model.decoder()) {
            throw new UsageException(options.modelName() + " is an encoder (" + model.config().modelType()
                    + "): it does not predict next tokens; next needs a decoder such as GPT-2, Llama or Qwen");
        }
        Style style = Style.detect();
        PrintStream out = System.out;
        try (JsonLines lines = new JsonLines(out); Progress progress = Progress.forInput(input.input, System.err)) {
            input.forEachBatch(input.fromFile() ? 8 : 1, batch -> {
                List<Encoding> encodings = batch.each(t -> Truncation.check(model, t.value(), t.number() - 1, noTruncate, System.err).encoding());
                List<Predicted> predicted = batch.together(encodings, live -> {
                    List<List<NextTokens.Position>> all = NextTokens.of(model, live, top, lens);
                    List<Predicted> each = new ArrayList<>(live.size());
                    for (int b = 0; b < live.size(); b++) each.add(new Predicted(live.get(b), all.get(b)));
                    return each;
                });
                batch.answer(predicted, lines, (t, p) -> {
                    if (json || input.fromFile()) lines.object(g -> write(g, p.encoding(), p.next()));
                    else print(out, style, t.value(), p.encoding(), p.next());
                });
                lines.flush();
                if (progress != null) progress.advance(batch.size());
            });
        }
        return 0;
    }

    /** A text's tokens and the predictions after each. */
    private record Predicted(Encoding encoding, List<NextTokens.Position> next) {
    }

    private void print(PrintStream out, Style style, String text, Encoding e, List<NextTokens.Position> next) {
        out.println(style.bold("Next tokens") + style.dim(" · " + options.modelName() + " · " + e.length() + " tokens"
                + (lens ? " · with each layer's prediction (logit lens)" : "")));
        for (NextTokens.Position p : next) {
            int i = p.position();
            String token = e.hasOffsets(i) ? text.substring(e.starts()[i], e.ends()[i]) : e.tokens()[i];
            out.printf(Locale.ROOT, "%4d %-16s → %s%n", i, quote(token), predictions(style, p.predictions()));
            for (NextTokens.LayerPredictions l : p.lens()) {
                out.printf(Locale.ROOT, "       %s %s%n", style.dim(String.format(Locale.ROOT, "layer %2d", l.layer())),
                        predictions(style, l.predictions()));
            }
        }
    }

    private static String predictions(Style style, List<NextTokens.Prediction> list) {
        StringBuilder s = new StringBuilder();
        for (NextTokens.Prediction p : list) {
            if (!s.isEmpty()) s.append(style.dim(" · "));
            s.append(style.link(quote(p.text()))).append(String.format(Locale.ROOT, " %.1f%%", 100 * p.probability()));
        }
        return s.toString();
    }

    /** Quoted, with line breaks and tabs made visible, so a token of spaces can be seen. */
    private static String quote(String s) {
        return "\"" + s.replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + "\"";
    }

    private static void write(JsonGenerator g, Encoding e, List<NextTokens.Position> next) throws java.io.IOException {
        TokenizeCommand.writeTokens(g, e);
        g.writeArrayFieldStart("next");
        for (NextTokens.Position p : next) {
            g.writeStartObject();
            g.writeNumberField("position", p.position());
            predictions(g, "predictions", p.predictions());
            if (!p.lens().isEmpty()) {
                g.writeArrayFieldStart("lens");
                for (NextTokens.LayerPredictions l : p.lens()) {
                    g.writeStartObject();
                    g.writeNumberField("layer", l.layer());
                    predictions(g, "predictions", l.predictions());
                    g.writeEndObject();
                }
                g.writeEndArray();
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }

    private static void predictions(JsonGenerator g, String field, List<NextTokens.Prediction> list) throws java.io.IOException {
        g.writeArrayFieldStart(field);
        for (NextTokens.Prediction p : list) {
            g.writeStartObject();
            g.writeNumberField("id", p.id());
            g.writeStringField("text", p.text());
            g.writeNumberField("logit", p.logit());
            g.writeNumberField("probability", p.probability());
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
