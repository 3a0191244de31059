package org.attentionsearch.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.ref.SoftReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

import org.attentionsearch.weights.GgmlType;
import org.attentionsearch.weights.SafeTensors;
import org.attentionsearch.weights.Tensor;

/**
 * Tiny decoders with seeded random weights and real vocabularies, each written both as the
 * Hugging Face directory transformers would save (config.json, model.safetensors in F32,
 * tokenizer.json, tokenizer_config.json, generation_config.json) and as the GGUF file
 * llama.cpp's convert_hf_to_gguf.py would make of it, from the same weights. Dimensions are
 * small but such that every GGUF weight type applies to every matrix (rows of 256 or more for
 * the K-quants); the vocabularies are the full real ones, so files of the larger ones run to a
 * few hundred MB in F32. Files are made once per JVM in a temporary directory, deleted at exit.
 */
public final class SyntheticModels {

    /** The decoder families, with their GGUF architecture and transformers class names. */
    public enum Architecture {
        /** RMSNorm, rotary positions (half-split in Hugging Face terms), grouped-query attention, SwiGLU, untied LM head. */
        LLAMA("llama", "LlamaForCausalLM"),
        /** As Llama with q/k/v biases and tied embeddings. */
        QWEN2("qwen2", "Qwen2ForCausalLM"),
        /** As Llama with per-head RMSNorm of queries and keys, no biases, tied embeddings. */
        QWEN3("qwen3", "Qwen3ForCausalLM"),
        /** Learned positions, LayerNorm with bias, fused Conv1D attention, gelu_new, tied LM head. */
        GPT2("gpt2", "GPT2LMHeadModel");

        private final String gguf;
        private final String transformers;

        Architecture(String gguf, String transformers) {
            this.gguf = gguf;
            this.transformers = transformers;
        }

        /** general.architecture. */
        public String ggufName() {
            return gguf;
        }

        /** config.json's architectures[0]. */
        public String transformersClass() {
            return transformers;
        }
    }

    /**
     * One synthetic model. {@code weightType} is the GGUF type of its matrices (norms, biases and
     * GPT-2's position embeddings stay F32; a matrix whose rows do not fill whole blocks falls back
     * to F16, as convert_hf_to_gguf.py does); the Hugging Face directory is F32 whatever it is.
     * {@code ropeScaling} adds Llama 3.1's rope_scaling (and so GGUF's rope_freqs) to a Llama.
     */
    public record Spec(Architecture architecture, Vocabulary vocabulary, GgmlType weightType, boolean ropeScaling,
                       int hidden, int layers, int heads, int kvHeads, int headDim, int feedForward, int context, long seed) {

        public Spec {
            if (heads % kvHeads != 0) throw new IllegalArgumentException(heads + " heads cannot share " + kvHeads + " key/value heads");
            if (ropeScaling && architecture != Architecture.LLAMA) throw new IllegalArgumentException("rope_scaling llama3 is for Llama");
            if (architecture == Architecture.GPT2 && (kvHeads != heads || headDim * heads != hidden || feedForward != 4 * hidden)) {
                throw new IllegalArgumentException("GPT-2 has no GQA, head size hidden/heads and a feed-forward of 4 × hidden");
            }
        }

        public Spec withWeights(GgmlType type) {
            return new Spec(architecture, vocabulary, type, ropeScaling, hidden, layers, heads, kvHeads, headDim, feedForward, context, seed);
        }

        public Spec withRopeScaling(boolean on) {
            return new Spec(architecture, vocabulary, weightType, on, hidden, layers, heads, kvHeads, headDim, feedForward, context, seed);
        }

        public Spec withLayers(int n) {
            return new Spec(architecture, vocabulary, weightType, ropeScaling, hidden, n, heads, kvHeads, headDim, feedForward, context, seed);
        }

        public Spec withSeed(long s) {
            return new Spec(architecture, vocabulary, weightType, ropeScaling, hidden, layers, heads, kvHeads, headDim, feedForward, context, s);
        }

        /** Whether the LM head is the token embedding (Qwen2, Qwen3 and GPT-2 here, as their small models have it). */
        public boolean tiedEmbeddings() {
            return architecture != Architecture.LLAMA;
        }

        public double ropeTheta() {
            return switch (architecture) {
                case LLAMA -> vocabulary == Vocabulary.LLAMA2 ? 10000.0 : 500000.0;
                case QWEN2, QWEN3 -> 1000000.0;
                case GPT2 -> 0;
            };
        }

        public double normEps() {
            return architecture == Architecture.QWEN2 || architecture == Architecture.QWEN3 ? 1e-6 : 1e-5;
        }

        /** A file name for this model, different for every spec but the weight type. */
        public String fileName() {
            return architecture.ggufName() + "-" + vocabulary.name().toLowerCase() + "-h" + hidden + "-l" + layers + "-q" + heads
                    + "-kv" + kvHeads + "-d" + headDim + "-ff" + feedForward + "-ctx" + context
                    + (ropeScaling ? "-rope-scaled" : "") + "-seed" + seed;
        }
    }

    /** Llama 3: 4 query heads sharing 2 key/value heads of 64, hidden 256, feed-forward 512, 2 layers. */
    public static Spec llama() {
        return new Spec(Architecture.LLAMA, Vocabulary.LLAMA3, GgmlType.F32, false, 256, 2, 4, 2, 64, 512, 4096, 1);
    }

    /** A Llama with the Llama 2 style sentencepiece vocabulary. */
    public static Spec llama2() {
        return new Spec(Architecture.LLAMA, Vocabulary.LLAMA2, GgmlType.F32, false, 256, 2, 4, 2, 64, 512, 4096, 2);
    }

    public static Spec qwen2() {
        return new Spec(Architecture.QWEN2, Vocabulary.QWEN3, GgmlType.F32, false, 256, 2, 4, 2, 64, 512, 32768, 3);
    }

    public static Spec qwen3() {
        return new Spec(Architecture.QWEN3, Vocabulary.QWEN3, GgmlType.F32, false, 256, 2, 4, 2, 64, 512, 40960, 4);
    }

    /** GPT-2: 4 heads of 64, hidden 256, 512 positions, 2 layers. */
    public static Spec gpt2() {
        return new Spec(Architecture.GPT2, Vocabulary.GPT2, GgmlType.F32, false, 256, 2, 4, 4, 64, 1024, 512, 5);
    }

    /** The default model of each vocabulary's family. */
    public static Spec of(Vocabulary vocabulary) {
        return switch (vocabulary) {
            case LLAMA3 -> llama();
            case LLAMA2 -> llama2();
            case QWEN3 -> qwen3();
            case GPT2 -> gpt2();
        };
    }

    private static final Map<Spec, Path> GGUF = new HashMap<>();
    private static final Map<Spec, Path> HF = new HashMap<>();
    private static final Map<Spec, Path> SAFETENSORS = new HashMap<>();
    private static final Map<Vocabulary, Path> VOCABULARY_GGUF = new HashMap<>();
    private static final Map<Spec, SoftReference<Map<String, Tensor>>> WEIGHTS = new HashMap<>();
    private static Path directory;

    private SyntheticModels() {
    }

    /** The model as a GGUF file, as convert_hf_to_gguf.py (and a quantizer, for the types it lacks) would write it. */
    public static synchronized Path gguf(Spec spec) {
        Path file = GGUF.get(spec);
        if (file == null) {
            file = directory().resolve(spec.fileName() + "-" + spec.weightType().ggmlName() + ".gguf");
            GgufConversion.of(spec, cachedWeights(spec)).write(file);
            GGUF.put(spec, file);
        }
        return file;
    }

    /** The model as a Hugging Face directory (F32 weights, whatever the spec's weight type). */
    public static synchronized Path huggingFace(Spec spec) {
        Spec f32 = spec.withWeights(GgmlType.F32);
        Path dir = HF.get(f32);
        if (dir == null) {
            dir = directory().resolve(spec.fileName() + "-hf");
            HuggingFaceDirectory.write(f32, safetensors(f32), dir);
            HF.put(f32, dir);
        }
        return dir;
    }

    /** model.safetensors, one file for the models that differ only in their configuration (linked into each directory). */
    private static Path safetensors(Spec spec) {
        Spec key = spec.withWeights(GgmlType.F32).withRopeScaling(false);
        Path file = SAFETENSORS.get(key);
        if (file == null) {
            file = directory().resolve(key.fileName() + ".safetensors");
            SafeTensors.write(cachedWeights(key), file);
            SAFETENSORS.put(key, file);
        }
        return file;
    }

    /** A GGUF of the vocabulary's default model without tensors: for tokenizers (llama.cpp loads it vocab-only). */
    public static synchronized Path vocabularyGguf(Vocabulary vocabulary) {
        Path file = VOCABULARY_GGUF.get(vocabulary);
        if (file == null) {
            file = directory().resolve("vocabulary-" + vocabulary.name().toLowerCase() + ".gguf");
            GgufConversion.metadataOnly(of(vocabulary)).write(file);
            VOCABULARY_GGUF.put(vocabulary, file);
        }
        return file;
    }

    /** The model's weights as Hugging Face names them, F32 in PyTorch layout (fresh arrays, regenerated from the seed). */
    public static Map<String, Tensor> weights(Spec spec) {
        return SyntheticWeights.generate(spec);
    }

    /**
     * Deletes the model's GGUF file (made again if asked for again): the whole set of weight
     * types of the larger vocabularies would fill gigabytes.
     */
    public static synchronized void discard(Spec spec) {
        Path file = GGUF.remove(spec);
        if (file != null) file.toFile().delete();
    }

    /** The weights, kept while memory allows: every weight type of a model is converted from the same ones. */
    private static Map<String, Tensor> cachedWeights(Spec spec) {
        Spec key = spec.withWeights(GgmlType.F32);
        SoftReference<Map<String, Tensor>> ref = WEIGHTS.get(key);
        Map<String, Tensor> weights = ref == null ? null : ref.get();
        if (weights == null) {
            weights = SyntheticWeights.generate(key);
            WEIGHTS.put(key, new SoftReference<>(weights));
        }
        return weights;
    }

    private static Path directory() {
        if (directory == null) {
            try {
                directory = Files.createTempDirectory("attention-search-models-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Path dir = directory;
            Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteTree(dir)));
        }
        return directory;
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort at exit
        }
    }
}
