package org.attentionsearch.web;

import java.util.function.Predicate;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.testing.FuzzProperty;

/**
 * The JSON API's request parser on arbitrary bodies: a request, or a 4xx {@link ApiException}
 * (malformed JSON becomes the 400 the API answers for it, with the parser's one-line message). See {@link FuzzProperty}; seeds under
 * src/test/resources/org/attentionsearch/web/AnalyzeRequestFuzzTestInputs/.
 */
public class AnalyzeRequestFuzzTest {

    /** MiniLM's shape: the view and math fields are checked against it. */
    private static final ModelConfig CONFIG = ModelConfig.bert(30522, 384, 6, 12, 1536, 512, 2, 1e-12f);
    private static final Predicate<Throwable> CLEAR = e -> e instanceof ApiException api && api.status() >= 400 && api.status() < 500;

    @FuzzTest(maxDuration = "30s")
    void analyzeRequest(byte[] body) {
        analyzeRequestTarget(body);
    }

    public static void analyzeRequestTarget(byte[] body) {
        FuzzProperty.check(body.length, CLEAR, () -> AnalyzeRequest.parse(JsonBody.parse(body), CONFIG)); // as the API reads a body
    }
}
