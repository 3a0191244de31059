package org.attentionsearch.examples;

import java.util.List;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.Trace;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.search.Result;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.View;

/** The README's Library section, run: embeddings, one results page, and the trace it comes from. */
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
