package org.attentionsearch.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Releasing a mapped file's pages after a copy changes nothing a later read sees. */
class MappedPagesTest {

    @Test
    void aTensorReadAgainAfterItsPagesWereReleasedIsTheSame(@TempDir Path dir) {
        Random rnd = new Random(4);
        float[] values = new float[3 * 4096 + 17];
        for (int i = 0; i < values.length; i++) values[i] = (float) rnd.nextGaussian();
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        int rows = values.length / 7;
        tensors.put("w", new Tensor("w", new int[] {rows, 7}, Arrays.copyOf(values, rows * 7)));
        Path file = dir.resolve("model.safetensors");
        SafeTensors.write(tensors, file);
        Tensor read = SafeTensors.read(file).get("w");
        float[] first = read.data(), some = read.rows(100, 50), again = read.data();
        assertArrayEquals(tensors.get("w").data(), first);
        assertArrayEquals(first, again);
        assertArrayEquals(Arrays.copyOfRange(first, 700, 1050), some);
    }
}
