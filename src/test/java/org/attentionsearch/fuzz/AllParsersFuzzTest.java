package org.attentionsearch.fuzz;

import java.util.Arrays;

import com.code_intelligence.jazzer.junit.FuzzTest;
import org.attentionsearch.corpus.HeadStatisticsJsonFuzzTest;
import org.attentionsearch.text.TokenizerFuzzTest;
import org.attentionsearch.web.AnalyzeRequestFuzzTest;
import org.attentionsearch.weights.WeightFilesFuzzTest;

/**
 * Every parser behind one fuzz target, the first byte choosing which: Jazzer fuzzes one target
 * per JVM, so this is the one the test command fuzzes for a few seconds (surefire's
 * fuzz-smoke execution); the per-parser targets are fuzzed longer under {@code -Pfuzz}.
 * Its seeds are the other targets' small seeds with their selector byte in front.
 */
public class AllParsersFuzzTest {

    /** The targets, by the selector byte modulo their number. */
    static final String[] TARGETS = {"safetensors", "gguf", "onnx", "config", "tokenizerJson", "text", "analyzeRequest", "headStatistics"};

    @FuzzTest(maxDuration = "15s")
    void anyParser(byte[] data) {
        if (data.length == 0) return;
        byte[] input = Arrays.copyOfRange(data, 1, data.length);
        switch (TARGETS[Math.floorMod(data[0], TARGETS.length)]) {
            case "safetensors" -> WeightFilesFuzzTest.safetensorsTarget(input);
            case "gguf" -> WeightFilesFuzzTest.ggufTarget(input);
            case "onnx" -> WeightFilesFuzzTest.onnxTarget(input);
            case "config" -> WeightFilesFuzzTest.configTarget(input);
            case "tokenizerJson" -> TokenizerFuzzTest.tokenizerJsonTarget(input);
            case "text" -> TokenizerFuzzTest.textTarget(input);
            case "analyzeRequest" -> AnalyzeRequestFuzzTest.analyzeRequestTarget(input);
            default -> HeadStatisticsJsonFuzzTest.headStatisticsTarget(input);
        }
    }
}
