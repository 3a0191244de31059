package org.attentionsearch.model.families;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import org.attentionsearch.math.HalfMatrix;
import org.attentionsearch.math.Int4Matrix;
import org.attentionsearch.math.Int8Matrix;
import org.attentionsearch.math.PackedMatrix;
import org.attentionsearch.math.QuantizedMatrix;
import org.attentionsearch.math.WeightMatrix;
import org.attentionsearch.model.Batch;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.blocks.Embedding;
import org.attentionsearch.model.blocks.Linear;
import org.attentionsearch.model.blocks.Norm;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.Tensor;

/** Small pieces the families' loaders and forward passes share. */
final class Families {

    private Families() {
    }

    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) n += p.length;
        float[] out = new float[n];
        int at = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /**
     * A Linear of PyTorch [out × in] weights whose outputs are side by side (q, k, v; gate, up):
     * their file's quantized blocks read in place when every part has them, else packed float32.
     */
    static Linear linear(int in, float[] bias, Tensor... parts) {
        Optional<QuantizedMatrix> quantized = stacked(parts);
        if (quantized.isPresent()) return new Linear(kept(quantized.get()), bias);
        // Packed from each part a block of rows at a time: neither a part nor the parts side by side
        // is held whole unpacked (about 20 MB of garbage a layer of SmolLM2's F32 file otherwise).
        List<PackedMatrix.Rows> rows = new ArrayList<>();
        int[] counts = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            rows.add(rowsOf(parts[i], in));
            counts[i] = parts[i].dim(0);
        }
        return new Linear(PackedMatrix.packTransposed(rows, counts, in), bias);
    }

    /** A [rows × in] tensor's rows as it reads them, or (a reordered one) from its values converted once. */
    private static PackedMatrix.Rows rowsOf(Tensor t, int in) {
        if (t.elements() != (long) t.dim(0) * in) throw new IllegalArgumentException(t + " is not [rows × " + in + "]");
        if (t.readsRows()) return t::rows;
        float[] all = t.data();
        return (first, count) -> Arrays.copyOfRange(all, first * in, (first + count) * in);
    }

    /** A Linear of a GPT-2 Conv1D weight [in × out], its quantized blocks read in place when the file has them. */
    static Linear conv1D(Tensor weight, int in, int out, float[] bias) {
        return weight.quantized().map(q -> new Linear(kept(q), bias)).orElseGet(() -> Linear.ofConv1D(weight.data(), in, out, bias));
    }

    /**
     * How a file's quantized blocks are kept: Q8_0's signed bytes with a float scale per block, four
     * rows at a time ({@link Int8Matrix}: a sixteenth of a byte per value more than the file),
     * Q6_K's q − 32 the same way with a scale d·sc per 16 (one and a half times the file), Q4_0's
     * and Q4_K's nibbles with each block's scale and offset apart ({@link Int4Matrix}: Q4_0 at the
     * file's size, Q4_K's packed scales decoded once, a third more than the file) and F16's halves
     * in an array ({@link HalfMatrix}), each value the same as the file's, read faster when
     * decoding; other formats and mixes (Q4_K with Q6_K), and any matrix the heap has no room for,
     * are read in place. {@code -Dattentionsearch.q4_0.bytes=true} keeps Q4_0 as signed bytes
     * q − 8 instead (twice the file's size; a decoding step's products run about a sixth faster).
     * {@code -Dattentionsearch.q8_0.inPlace=true} and the same for q4_0, q4_k, q6_k and f16 keep
     * those in place.
     */
    static WeightMatrix kept(QuantizedMatrix q) {
        List<QuantizedMatrix.Format> formats = q.formats();
        long values = (long) q.k() * q.n();
        if (formats.size() == 1 && !Boolean.getBoolean("attentionsearch." + formats.get(0).name().toLowerCase(Locale.ROOT) + ".inPlace")) {
            switch (formats.get(0)) {
                case Q8_0 -> {
                    if (Int8Matrix.fits(q.k(), q.n()) && heapHolds(values * 18 / 16)) return Int8Matrix.of(q);
                }
                case Q4_0 -> {
                    if (Boolean.getBoolean("attentionsearch.q4_0.bytes") && Int8Matrix.fits(q.k(), q.n())
                            && heapHolds(values * 18 / 16)) {
                        return Int8Matrix.of(q);
                    }
                    if (Int4Matrix.fits(q.k(), q.n()) && heapHolds(values * 9 / 16)) return Int4Matrix.of(q);
                }
                case Q6_K -> {
                    if (Int8Matrix.fits(q.k(), q.n()) && heapHolds(values * 5 / 4)) return Int8Matrix.of(q);
                }
                case Q4_K -> {
                    if (Int4Matrix.fits(q.k(), q.n()) && heapHolds(values * 3 / 4)) return Int4Matrix.of(q);
                }
                case F16 -> {
                    if (HalfMatrix.fits(q.k(), q.n()) && heapHolds(2 * values)) return HalfMatrix.of(q);
                }
                default -> {
                }
            }
        }
        return q;
    }

    /** Whether the heap can take {@code bytes} more and keep a quarter of its maximum free for the forward pass. */
    private static boolean heapHolds(long bytes) {
        Runtime rt = Runtime.getRuntime();
        long used = rt.totalMemory() - rt.freeMemory();
        return used + bytes <= rt.maxMemory() - rt.maxMemory() / 4;
    }

    /** The parts' quantized matrices stacked, when all have them over one mapped file (each part in its own format). */
    private static Optional<QuantizedMatrix> stacked(Tensor... parts) {
        QuantizedMatrix[] q = new QuantizedMatrix[parts.length];
        for (int i = 0; i < parts.length; i++) {
            q[i] = parts[i].quantized().orElse(null);
            if (q[i] == null || !QuantizedMatrix.sameData(q[i].data(), q[0].data())) {
                return Optional.empty();
            }
        }
        return Optional.of(parts.length == 1 ? q[0] : QuantizedMatrix.stack(q));
    }

    /** The token id of a batch row, checked against the vocabulary. */
    static int tokenId(Batch batch, int row, ModelConfig c) {
        int id = batch.id(row);
        if (id < 0 || id >= c.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary of " + c.vocabSize());
        }
        return id;
    }

    /** A LayerNorm from {@code prefix.weight} and {@code prefix.bias}. */
    static Norm layerNorm(Checkpoint w, String prefix, int h, float eps) {
        return new Norm.LayerNorm(w.floats(prefix + ".weight", h), w.floats(prefix + ".bias", h), eps);
    }

    /** A decoder's token table and its unembedding W_U [hidden × vocab]. */
    record Vocabulary(Embedding tokens, Linear unembedding) {
    }

    /**
     * From the embedding table [vocab × hidden] and the LM head weight (PyTorch [vocab × hidden],
     * null when tied): a tied model keeps the table once, packed as W_U = Eᵀ, and looks its rows
     * up there. Both are read a block of rows at a time, never whole and unpacked at once. A table
     * the file quantizes stays in its blocks, each entry a stored row dequantized when looked up.
     */
    static Vocabulary vocabulary(ModelConfig c, Tensor embeddings, Tensor lmHead) {
        int h = c.hiddenSize(), v = c.vocabSize();
        Optional<WeightMatrix> table = embeddings.quantized().map(Families::kept);
        if (lmHead == null) {
            WeightMatrix unembedding = table.orElseGet(() -> PackedMatrix.packTransposed(embeddings::rows, v, h));
            return new Vocabulary(new Embedding.Columns(unembedding), new Linear(unembedding, null));
        }
        Embedding tokens = table.<Embedding>map(Embedding.Columns::new).orElseGet(() -> new Embedding.Table(embeddings.data(), v, h));
        return new Vocabulary(tokens, lmHead.quantized().map(q -> new Linear(kept(q), null))
                .orElseGet(() -> new Linear(PackedMatrix.packTransposed(lmHead::rows, v, h), null)));
    }
}
