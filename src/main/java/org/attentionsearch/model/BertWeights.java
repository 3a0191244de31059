package org.attentionsearch.model;

import java.util.ArrayList;
import java.util.List;

import org.attentionsearch.math.PackedMatrix;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.ModelFormatException;
import org.attentionsearch.weights.Tensor;

/**
 * All weights of a BERT encoder in the layouts the forward pass wants: embedding tables
 * row-major [rows × hidden], linear layers packed for the matrix-multiply kernel.
 */
public record BertWeights(BertConfig config,
                          float[] wordEmbeddings, float[] positionEmbeddings, float[] typeEmbeddings,
                          Norm embeddingNorm, List<LayerWeights> layers) {

    public static BertWeights from(Checkpoint checkpoint) {
        BertConfig c = checkpoint.config();
        int h = c.hiddenSize();
        Reader r = new Reader(checkpoint);
        float[] word = r.get("embeddings.word_embeddings.weight", c.vocabSize(), h);
        float[] position = r.get("embeddings.position_embeddings.weight", c.maxPositions(), h);
        float[] type = r.get("embeddings.token_type_embeddings.weight", c.typeVocabSize(), h);
        Norm embeddingNorm = r.norm("embeddings.LayerNorm", h, c.layerNormEps());

        List<LayerWeights> layers = new ArrayList<>(c.layers());
        for (int l = 0; l < c.layers(); l++) {
            String p = "encoder.layer." + l + ".";
            // PyTorch Linear weights are [out × in]; stacking query, key and value along "out"
            // gives the fused [3·hidden × hidden] matrix in the same layout.
            float[] q = r.get(p + "attention.self.query.weight", h, h);
            float[] k = r.get(p + "attention.self.key.weight", h, h);
            float[] v = r.get(p + "attention.self.value.weight", h, h);
            float[] qkv = concat(q, k, v);
            float[] qkvBias = concat(r.get(p + "attention.self.query.bias", h),
                    r.get(p + "attention.self.key.bias", h), r.get(p + "attention.self.value.bias", h));
            float[] wo = r.get(p + "attention.output.dense.weight", h, h);
            float[] wi = r.get(p + "intermediate.dense.weight", c.intermediateSize(), h);
            float[] w2 = r.get(p + "output.dense.weight", h, c.intermediateSize());
            layers.add(new LayerWeights(
                    PackedMatrix.packTransposed(qkv, 3 * h, h), qkvBias,
                    PackedMatrix.packTransposed(wo, h, h), r.get(p + "attention.output.dense.bias", h),
                    transpose(wo, h, h),
                    r.norm(p + "attention.output.LayerNorm", h, c.layerNormEps()),
                    PackedMatrix.packTransposed(wi, c.intermediateSize(), h),
                    r.get(p + "intermediate.dense.bias", c.intermediateSize()),
                    PackedMatrix.packTransposed(w2, h, c.intermediateSize()),
                    r.get(p + "output.dense.bias", h),
                    r.norm(p + "output.LayerNorm", h, c.layerNormEps())));
        }
        return new BertWeights(c, word, position, type, embeddingNorm, List.copyOf(layers));
    }

    /** Checks each tensor's shape against the configuration before anything is packed. */
    private record Reader(Checkpoint checkpoint) {
        float[] get(String name, int... shape) {
            Tensor t = checkpoint.tensor(name);
            if (!java.util.Arrays.equals(t.shape(), shape)) {
                throw new ModelFormatException(checkpoint.source(), "tensor " + name + " has shape "
                        + t.shapeString() + " but the configuration needs " + java.util.Arrays.toString(shape));
            }
            return t.data();
        }

        Norm norm(String prefix, int h, float eps) {
            return new Norm(get(prefix + ".weight", h), get(prefix + ".bias", h), eps);
        }
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

    /** [rows × cols] row-major to [cols × rows] row-major. */
    static float[] transpose(float[] m, int rows, int cols) {
        float[] t = new float[m.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) t[c * rows + r] = m[r * cols + c];
        }
        return t;
    }
}
