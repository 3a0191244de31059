package org.attentionsearch.corpus;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.TreeMap;

import org.attentionsearch.model.Model;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.weights.Tensor;
import org.junit.jupiter.api.Test;

/** The fingerprint an index records: as its documentation defines it, and readable for a GGUF model's vectors. */
class ModelFingerprintTest {

    /** SHA-256 over the configuration, pooling, tokenizer, and each tensor's name, shape, first and last value along its first dimension. */
    @Test
    void theDigestIsTheDocumentedOneSoExistingIndexesKeepTheirs() throws Exception {
        Model model = TestModels.MINILM.model();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        sha.update(model.config().toString().getBytes(StandardCharsets.UTF_8));
        sha.update(String.valueOf(model.pooling()).getBytes(StandardCharsets.UTF_8));
        sha.update(model.checkpoint().tokenizerJson());
        for (var e : new TreeMap<>(model.checkpoint().tensors()).entrySet()) {
            Tensor t = e.getValue();
            sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            sha.update(t.shapeString().getBytes(StandardCharsets.UTF_8));
            if (t.rank() == 0 || t.dim(0) == 0 || t.elements() == 0) continue;
            float[] all = t.data();
            int row = (int) (t.elements() / t.dim(0));
            floats(sha, all, 0, row);
            if (t.dim(0) > 1) floats(sha, all, (t.dim(0) - 1) * row, row);
        }
        assertEquals(HexFormat.of().formatHex(sha.digest(), 0, 16), ModelFingerprint.of(model, "all-MiniLM-L6-v2").digest());
    }

    @Test
    void aGgufModelsVectorsAreRead() {
        var path = SyntheticModels.gguf(SyntheticModels.gpt2());
        ModelFingerprint once = ModelFingerprint.of(Model.load(path), "gpt2.gguf");
        assertEquals(once.digest(), ModelFingerprint.of(Model.load(path), "elsewhere.gguf").digest());
        assertNotEquals(once.digest(), ModelFingerprint.of(TestModels.MINILM.model(), "all-MiniLM-L6-v2").digest());
    }

    private static void floats(MessageDigest sha, float[] values, int from, int count) {
        ByteBuffer b = ByteBuffer.allocate(4 * count).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values, from, count);
        sha.update(b.array());
    }
}
