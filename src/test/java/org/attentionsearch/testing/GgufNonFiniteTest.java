package org.attentionsearch.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import org.attentionsearch.weights.GgmlType;
import org.attentionsearch.weights.GgufFile;
import org.attentionsearch.weights.GgufTensor;
import org.attentionsearch.weights.ModelFormatException;
import org.attentionsearch.weights.ModelLoader;
import org.attentionsearch.weights.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A GGUF weight that is NaN or infinite, or a quantized block whose scale is, is refused at load naming the tensor. */
class GgufNonFiniteTest {

    @TempDir
    Path dir;

    @Test
    void aNonFiniteFloatWeightIsRefused() {
        SyntheticModels.Spec spec = SyntheticModels.llama().withWeights(GgmlType.F32);
        Map<String, Tensor> weights = new LinkedHashMap<>(SyntheticModels.weights(spec));
        for (float bad : new float[] {Float.NaN, Float.NEGATIVE_INFINITY}) {
            Tensor down = weights.get("model.layers.1.mlp.down_proj.weight");
            float[] values = down.data().clone();
            values[values.length - 3] = bad;
            Map<String, Tensor> broken = new LinkedHashMap<>(weights);
            broken.put(down.name(), new Tensor(down.name(), down.shape(), values));
            Path file = dir.resolve("nan.gguf");
            GgufConversion.of(spec, broken).write(file);
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(file));
            assertTrue(e.getMessage().contains("tensor blk.1.ffn_down.weight holds a value that is not a finite number"), e.getMessage());
        }
    }

    @Test
    void aQuantizedBlockWithANonFiniteScaleIsRefused() throws IOException {
        SyntheticModels.Spec spec = SyntheticModels.llama().withWeights(GgmlType.Q8_0);
        Path file = dir.resolve("q8.gguf");
        GgufConversion.of(spec, SyntheticModels.weights(spec)).write(file);
        long at;
        try (GgufFile f = GgufFile.open(file)) {
            GgufTensor t = f.tensor("blk.0.attn_v.weight");
            assertTrue(t.type() == GgmlType.Q8_0, t.toString());
            at = f.dataOffset() + t.offset() + 3L * t.type().bytesPerBlock(); // the fourth block's f16 scale
        }
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(at);
            raf.write(new byte[] {0x00, 0x7c}); // +∞ in half precision, little-endian
        }
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelLoader.load(file));
        assertTrue(e.getMessage().contains("tensor blk.0.attn_v.weight holds a value that is not a finite number (a block scale"),
                e.getMessage());
    }
}
