package org.attentionsearch.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerationException;
import com.fasterxml.jackson.core.JsonGenerator;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.NonFiniteValueException;
import org.attentionsearch.search.FiniteJsonGenerator;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.ModelLoader;
import org.attentionsearch.weights.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Finite weights whose products overflow float32 (every entry of one layer's feed-forward output
 * at the largest float): the pass stops at that layer and says so, exit 1, and nothing that is
 * not a number is printed, as text or as JSON.
 */
class NonFiniteResultTest {

    @TempDir
    static Path dir;
    private static Checkpoint overflowing;

    @BeforeAll
    static void writeOverflowingModel() {
        Checkpoint c = RandomDecoders.checkpoint(RandomDecoders.llama(), 5);
        Map<String, Tensor> tensors = new LinkedHashMap<>(c.tensors());
        String name = "model.layers.1.mlp.down_proj.weight";
        Tensor t = tensors.get(name);
        float[] huge = new float[(int) t.elements()];
        Arrays.fill(huge, Float.MAX_VALUE);
        tensors.put(name, new Tensor(name, t.shape(), huge));
        overflowing = new Checkpoint(c.config(), tensors, c.tokenizer(), c.pooling(), "overflowing");
        ModelLoader.export(overflowing, dir.resolve("model"));
    }

    @Test
    void theForwardPassNamesTheLayerThatOverflowed() {
        NonFiniteValueException e = assertThrows(NonFiniteValueException.class, () -> Model.load(overflowing).embed(List.of("hello")));
        assertEquals("layer 1", e.step());
    }

    @Test
    void commandsExitWithOneSentenceInsteadOfPrintingNaN() {
        String model = dir.resolve("model").toString();
        for (String[] args : new String[][] {{"embed", "--model", model, "hello"}, {"embed", "--json", "--model", model, "hello"},
                {"explain", "--json", "--model", model, "hello"}}) {
            CliTest.Run run = CliTest.run(args);
            assertEquals(1, run.code(), run.err());
            assertTrue(run.err().startsWith("error: layer 1 computed ") && !run.err().contains("internal error"), run.err());
            assertFalse(run.out().contains("NaN") || run.out().contains("null"), run.out());
        }
    }

    @Test
    void theJsonWriterRefusesNumbersJsonCannotHold() throws IOException {
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try (JsonGenerator g = new FiniteJsonGenerator(new JsonFactory().createGenerator(out))) {
                g.writeStartObject();
                g.writeNumberField("ok", 1.5);
                assertThrows(JsonGenerationException.class, () -> g.writeNumberField("x", bad));
                assertThrows(JsonGenerationException.class, () -> g.writeNumber((float) bad));
                assertThrows(JsonGenerationException.class, () -> g.writeArray(new double[] {0, bad}, 0, 2));
            }
            String written = out.toString(StandardCharsets.UTF_8);
            assertTrue(written.startsWith("{\"ok\":1.5") && !written.contains("NaN") && !written.contains("Infinity"), written);
        }
    }
}
