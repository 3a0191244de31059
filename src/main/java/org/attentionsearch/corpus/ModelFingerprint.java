package org.attentionsearch.corpus;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.TreeMap;

import org.attentionsearch.model.Model;
import org.attentionsearch.weights.Tensor;

/**
 * What an index records of the model that built it: a name for people, and a fingerprint that
 * tells two models apart without reading all their weights — SHA-256 over the configuration,
 * the tokenizer, the pooling, every tensor's name and shape, and the first and last row of each
 * (a lazy, memory-mapped tensor reads just those two rows). Two exports of the same weights in
 * different file formats may differ in it; the same file always gives the same fingerprint.
 */
public record ModelFingerprint(String name, String digest) {

    public static ModelFingerprint of(Model model, String name) {
        MessageDigest sha = sha256();
        sha.update(model.config().toString().getBytes(StandardCharsets.UTF_8));
        sha.update(String.valueOf(model.pooling()).getBytes(StandardCharsets.UTF_8));
        sha.update(model.checkpoint().tokenizerJson());
        var tensors = new TreeMap<>(model.checkpoint().tensors());
        for (var e : tensors.entrySet()) {
            Tensor t = e.getValue();
            sha.update(e.getKey().getBytes(StandardCharsets.UTF_8));
            sha.update(t.shapeString().getBytes(StandardCharsets.UTF_8));
            int rows = t.rank() == 0 ? 0 : t.dim(0);
            if (rows == 0 || t.elements() == 0) continue;
            if (t.rank() == 1) {
                // A vector (a bias, a norm's weights) is small: read whole, its first and last value hashed as rows
                // of one value are (a GGUF file's row reader counts a vector as one row, so it is not asked).
                float[] all = t.data();
                update(sha, new float[] {all[0]});
                if (rows > 1) update(sha, new float[] {all[rows - 1]});
                continue;
            }
            update(sha, t.rows(0, 1));
            if (rows > 1) update(sha, t.rows(rows - 1, 1));
        }
        return new ModelFingerprint(name, HexFormat.of().formatHex(sha.digest(), 0, 16));
    }

    /** Whether this is the same model as {@code other} (the names may differ: a file may be moved). */
    public boolean sameModel(ModelFingerprint other) {
        return digest.equals(other.digest);
    }

    private static void update(MessageDigest sha, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        sha.update(b.array());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
