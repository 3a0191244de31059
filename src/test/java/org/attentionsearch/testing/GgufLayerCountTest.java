package org.attentionsearch.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.attentionsearch.weights.ModelFormatException;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GGUF whose block count and tensors disagree is refused at once, as llama.cpp refuses it. */
class GgufLayerCountTest {

    @Test
    void blockCountMustMatchTheTensors(@TempDir Path dir) {
        SyntheticModels.Spec spec = SyntheticModels.gpt2();
        for (long[] count : new long[][] {{1}, {3}, {4_000_000_000L}}) {
            Path file = dir.resolve("gpt2-" + count[0] + ".gguf");
            GgufConversion.of(spec, SyntheticModels.weights(spec)).putUint32("gpt2.block_count", count[0]).write(file);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(file));
            String want = count[0] == 1 ? "holds weights for layer 1, but its configuration declares only 1 layer"
                    : count[0] == 3 ? "declares 3 layers but holds weights for 2 layers" : "block_count";
            assertTrue(e.getMessage().contains(want) && e.getMessage().contains(file.getFileName().toString()), e.getMessage());
        }
    }
}
