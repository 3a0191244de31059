package org.attentionsearch.cli;

import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.Callable;

import org.attentionsearch.text.Encoding;
import org.attentionsearch.text.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Split texts into the model's tokens, with character offsets.")
final class TokenizeCommand implements Callable<Integer> {

    // Only the model's path: tokenizing reads no weights, so --pooling and --threads would not apply.
    @Option(names = "--model", paramLabel = "PATH", description = "A .gguf file, a Hugging Face model directory or an .onnx file "
            + "with its tokenizer.json beside it; only its tokenizer is read. Default: the embedded all-MiniLM-L6-v2.")
    java.nio.file.Path model;

    @Mixin TextInput input;

    @Option(names = "--json", description = "One JSON object per text: {\"tokens\":[{\"id\",\"text\",\"start\",\"end\"}…]}.")
    boolean json;

    @Override
    public Integer call() {
        input.checkSource();
        Tokenizer tokenizer = org.attentionsearch.weights.ModelLoader.tokenizer(model).load();
        PrintStream out = System.out;
        try (JsonLines lines = new JsonLines(out)) {
            input.forEachBatch(256, batch -> {
                List<Encoding> encodings = batch.each(t -> tokenizer.encode(t.value()));
                batch.answer(encodings, lines, (t, e) -> {
                    if (json || input.fromFile()) {
                        lines.object(g -> writeTokens(g, e));
                    } else {
                        String text = t.value();
                        out.println(e.length() + " tokens:");
                        for (int i = 0; i < e.length(); i++) {
                            String span = e.hasOffsets(i)
                                    ? e.starts()[i] + ".." + e.ends()[i] + "  \"" + text.substring(e.starts()[i], e.ends()[i]) + "\""
                                    : "(special)";
                            out.printf("  %4d  %-16s %6d  %s%n", i, e.tokens()[i], e.ids()[i], span);
                        }
                    }
                });
                lines.flush();
            });
        }
        return 0;
    }

    /** {@code "tokens":[{"id","text","start","end"}…]}, start and end null for a special token. */
    static void writeTokens(com.fasterxml.jackson.core.JsonGenerator g, Encoding e) throws java.io.IOException {
        g.writeArrayFieldStart("tokens");
        for (int i = 0; i < e.length(); i++) {
            g.writeStartObject();
            g.writeNumberField("id", e.ids()[i]);
            g.writeStringField("text", e.tokens()[i]);
            if (e.hasOffsets(i)) {
                g.writeNumberField("start", e.starts()[i]);
                g.writeNumberField("end", e.ends()[i]);
            } else {
                g.writeNullField("start");
                g.writeNullField("end");
            }
            g.writeEndObject();
        }
        g.writeEndArray();
    }
}
