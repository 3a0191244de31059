package org.attentionsearch.examples;

import java.nio.file.Path;
import java.util.List;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.Sampler;
import org.attentionsearch.model.Trace;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Generation;
import org.attentionsearch.search.NextTokens;
import org.attentionsearch.search.Result;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.View;

/**
 * The README's Library section: every line of it compiles here; the built-in model's lines run
 * (embeddings, one results page, and the trace it comes from), and a decoder's too when a model
 * file is given as the argument.
 */
public final class Example {

    public static void main(String[] args) {
        Model bert = Model.embedded();                                       // all-MiniLM-L6-v2 from the classpath
        List<float[]> vectors = bert.embed(List.of("The bank raised rates"));

        Analysis a = Analysis.of(bert, "The bank raised rates after the river flooded");
        ResultsPage page = a.page(new View.Head(3, 7), 2, 10);               // layer 3, head 7, token 2, top 10
        Trace trace = a.trace();
        float[] weights = trace.get("layers.3.attention.weights").data();   // [heads, n, n]

        for (Result r : page.results()) {
            System.out.printf("%2d. %-10s weight %.3f  score %.2f%n", r.rank(), r.key().text(), r.weight(), r.score());
        }

        // What a user of the library may rely on; a broken promise fails the build.
        int n = a.length();
        require(vectors.getFirst().length == 384, "an all-MiniLM-L6-v2 embedding has 384 numbers");
        require(weights.length == 12 * n * n, "the weights are [heads, n, n]");
        Result top = page.results().getFirst();
        require(Math.abs(top.weight() - weights[(7 * n + 2) * n + top.key().position()]) < 1e-6,
                "a page's weight is the trace's α");
        require(!onClasspath("picocli.CommandLine") && !onClasspath("io.javalin.Javalin"),
                "the library brings no command-line or web dependencies");
        System.out.println("ok: " + n + " tokens, " + page.keys() + " results, the top one " + top.key().text());
        if (args.length > 0) decoder(Path.of(args[0]));
    }

    /** The README's decoder lines, on a model file such as qwen2.5-0.5b-instruct-q8_0.gguf. */
    static void decoder(Path file) {
        Model qwen = Model.load(file);
        Trace t = Analysis.of(qwen, "The river bank").trace();
        float[] logits = t.get("logits").data();                            // [n, vocab]
        List<NextTokens.Position> next = NextTokens.of(qwen, t, 5, true);   // top 5 after each token, per layer too

        Generation.Settings settings = new Generation.Settings(32, new Sampler.Settings(0.8, 40, 0.95, 42), null,
                new View.ValueBlend(qwen.config().layers() / 2), 10, 5);    // 32 tokens, sampled, a page for each
        for (Generation.Step step : Generation.of(qwen, "The river bank", settings)) {
            System.out.print(step.text());                                  // step.page(): its results page
        }
        System.out.println();
        require(logits.length == next.size() * qwen.config().vocabSize(), "logits are [n, vocab]");
    }

    private static void require(boolean condition, String promise) {
        if (!condition) throw new AssertionError("broken: " + promise);
    }

    private static boolean onClasspath(String className) {
        try {
            Class.forName(className);
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }
}
