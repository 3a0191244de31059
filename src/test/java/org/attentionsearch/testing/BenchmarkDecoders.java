package org.attentionsearch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;

import org.attentionsearch.testing.SyntheticModels.Architecture;
import org.attentionsearch.testing.SyntheticModels.Spec;
import org.attentionsearch.weights.GgmlType;
import org.attentionsearch.weights.Tensor;

/**
 * Two real small decoders' shapes with seeded random weights, as GGUF files for timing: every
 * matrix the size the real model has, so the work per token is the real one. The weights are
 * {@link SyntheticWeights}' (scaled for small models, so activations are not those of a
 * trained model, which does not change the work).
 */
public enum BenchmarkDecoders {
    /**
     * SmolLM2-135M: hidden 576, 30 layers, 9 query heads over 3 key/value heads of 64, feed-forward
     * 1536, tied embeddings, rope theta 100,000, 8192 positions. Its vocabulary (49,152 byte-level
     * BPE tokens) is not among the fixtures: GPT-2's 50,257 stand in, whole, so the embedding and
     * the LM head have 50,257 rows, 2.2% more than the real model's.
     */
    SMOLLM2_135M("smollm2-135m",
            new Spec(Architecture.LLAMA, Vocabulary.GPT2, GgmlType.F32, false, 576, 30, 9, 3, 64, 1536, 8192, 135), true, 100000f),
    /**
     * Qwen2.5-0.5B: hidden 896, 24 layers, 14 query heads over 2 key/value heads of 64, feed-forward
     * 4864, q/k/v biases, tied embeddings, rope theta 1,000,000, 32,768 positions; Qwen3's
     * vocabulary (the same byte-level BPE family, padded to the same 151,936 rows).
     */
    QWEN25_05B("qwen2.5-0.5b",
            new Spec(Architecture.QWEN2, Vocabulary.QWEN3, GgmlType.F32, false, 896, 24, 14, 2, 64, 4864, 32768, 500), false, 0);

    private final String label;
    private final Spec spec;
    private final boolean tieLlama;
    private final float ropeTheta;

    BenchmarkDecoders(String label, Spec spec, boolean tieLlama, float ropeTheta) {
        this.label = label;
        this.spec = spec;
        this.tieLlama = tieLlama;
        this.ropeTheta = ropeTheta;
    }

    public String label() {
        return label;
    }

    public Spec spec() {
        return spec;
    }

    /** Largest token id a random prompt may use: below the special tokens. */
    public int ordinaryTokens() {
        return spec.vocabulary() == Vocabulary.GPT2 ? 50256 : 151643;
    }

    /** Where the file of this weight type lives in {@code directory}. */
    public Path file(Path directory, GgmlType type) {
        return directory.resolve(label + "-random-" + type.ggmlName() + ".gguf");
    }

    /**
     * The model's GGUF files of these weight types in {@code directory}, written once (a file
     * already there is reused; each is written under a temporary name and then moved, so an
     * interrupted write leaves nothing to reuse).
     */
    public void write(Path directory, GgmlType... types) {
        Map<String, Tensor> weights = null;
        try {
            Files.createDirectories(directory);
            for (GgmlType type : types) {
                Path file = file(directory, type);
                if (Files.exists(file)) continue;
                if (weights == null) {
                    weights = SyntheticWeights.generate(spec);
                    // SmolLM2 ties its LM head to the embedding: no lm_head, so no output.weight
                    if (tieLlama) weights.remove("lm_head.weight");
                }
                GgufWriter w = GgufConversion.of(spec.withWeights(type), weights);
                w.putString("general.name", "Random " + label);
                if (ropeTheta > 0) w.putFloat32(spec.architecture().ggufName() + ".rope.freq_base", ropeTheta);
                Path partial = directory.resolve(file.getFileName() + ".partial");
                w.write(partial);
                Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
