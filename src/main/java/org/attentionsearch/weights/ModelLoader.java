package org.attentionsearch.weights;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.stream.Stream;

import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Pooling;
import org.attentionsearch.text.ChatTemplateFiles;
import org.attentionsearch.text.TokenizerFormatException;

/**
 * Loads a {@link Checkpoint} from an ONNX export or a Hugging Face model directory, and
 * exports one as a Hugging Face / sentence-transformers directory.
 */
public final class ModelLoader {

    /** The built-in model, all-MiniLM-L6-v2, as the langchain4j jar ships it. */
    public static final String EMBEDDED_MODEL = "/all-minilm-l6-v2.onnx";
    public static final String EMBEDDED_TOKENIZER = "/all-minilm-l6-v2-tokenizer.json";

    public static final String SAFETENSORS = "model.safetensors";
    public static final String SAFETENSORS_INDEX = "model.safetensors.index.json";
    public static final String TOKENIZER = "tokenizer.json";
    public static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    public static final String GENERATION_CONFIG = "generation_config.json";

    private ModelLoader() {
    }

    /**
     * The system property naming a directory where the built-in model may be extracted once (see
     * {@link ExtractedModel}); without it, {@link #embedded} reads the jar every time and writes nothing.
     */
    public static final String CACHE_PROPERTY = "attentionsearch.cache";

    private static final String EMBEDDED_SOURCE = "all-MiniLM-L6-v2 (built in)";

    /**
     * all-MiniLM-L6-v2 from the classpath; it is used with mean pooling and normalization. When
     * {@link #CACHE_PROPERTY} names a directory, its weights are mapped from the copy extracted
     * there, which the first such call writes.
     */
    public static Checkpoint embedded() {
        String root = System.getProperty(CACHE_PROPERTY, "");
        URL onnx = ModelLoader.class.getResource(EMBEDDED_MODEL);
        if (root.isBlank() || onnx == null) return embeddedFromJar();
        ExtractedModel extracted;
        try {
            extracted = ExtractedModel.of(Path.of(root), "all-minilm-l6-v2", onnx);
        } catch (IOException | InvalidPathException e) {
            return embeddedFromJar();
        }
        Checkpoint c = extracted.load(ModelLoader::embeddedFromJar);
        return new Checkpoint(c.config(), c.tensors(), c.tokenizer(), Pooling.MEAN_NORMALIZED, EMBEDDED_SOURCE);
    }

    private static Checkpoint embeddedFromJar() {
        byte[] model = resource(EMBEDDED_MODEL);
        byte[] tokenizer = resource(EMBEDDED_TOKENIZER);
        Checkpoint c = fromOnnx(model, tokenizer, EMBEDDED_SOURCE);
        return new Checkpoint(c.config(), c.tensors(), c.tokenizerJson(), Pooling.MEAN_NORMALIZED, c.source());
    }

    private static byte[] resource(String name) {
        try (InputStream in = ModelLoader.class.getResourceAsStream(name)) {
            if (in == null) throw new ModelFormatException(name, "is not on the classpath");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new ModelFormatException(name, "cannot be read from the classpath: " + e.getMessage(), e);
        }
    }

    /** A BERT encoder from ONNX bytes; ONNX does not record pooling, so it is null. */
    public static Checkpoint fromOnnx(byte[] onnx, byte[] tokenizerJson, String source) {
        Objects.requireNonNull(tokenizerJson, "tokenizerJson");
        OnnxBert bert = OnnxBert.read(onnx, source);
        return new Checkpoint(bert.config(), bert.tensors(), tokenizerJson, null, source);
    }

    /**
     * Loads from a path: a GGUF file (by its extension or its magic); an .onnx file with
     * tokenizer.json (or {@code <stem>-tokenizer.json}) beside it; a Hugging Face model directory
     * (config.json, model.safetensors or its shards, tokenizer.json, and optionally
     * sentence-transformers' 1_Pooling/config.json and modules.json); or a directory holding a
     * single .gguf or .onnx model.
     */
    public static Checkpoint load(Path path) {
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve(HfConfig.CONFIG))) return loadDirectory(path);
            List<Path> gguf = files(path, ".gguf"), onnx = files(path, ".onnx");
            if (gguf.size() + onnx.size() == 1) return gguf.isEmpty() ? loadOnnx(onnx.get(0)) : GgufCheckpoint.read(gguf.get(0));
            throw new ModelFormatException(path.toString(), gguf.isEmpty() && onnx.isEmpty()
                    ? "has neither a config.json nor a .gguf or .onnx model"
                    : "has several models " + Stream.concat(gguf.stream(), onnx.stream())
                            .map(p -> p.getFileName().toString()).toList() + "; name one");
        }
        if (!Files.exists(path)) throw new ModelFormatException(path.toString(), "does not exist");
        String name = path.getFileName().toString();
        if (name.endsWith(".onnx")) return loadOnnx(path);
        if (name.endsWith(".gguf") || isGguf(path)) return GgufCheckpoint.read(path);
        if (name.equals(HfConfig.CONFIG) || name.endsWith(".safetensors")) return loadDirectory(parentOf(path));
        throw new ModelFormatException(path.toString(), "is neither a .gguf or .onnx model nor a model directory");
    }

    /** Whether a file starts with GGUF's magic bytes. */
    private static boolean isGguf(Path path) {
        try (InputStream in = Files.newInputStream(path)) {
            return Arrays.equals(in.readNBytes(4), new byte[] {'G', 'G', 'U', 'F'});
        } catch (IOException e) {
            return false;
        }
    }

    private static Path parentOf(Path file) {
        Path parent = file.toAbsolutePath().getParent();
        return parent == null ? Path.of(".") : parent;
    }

    private static List<Path> onnxFiles(Path dir) {
        return files(dir, ".onnx");
    }

    private static List<Path> files(Path dir, String extension) {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(extension) && Files.isRegularFile(p)).sorted().toList();
        } catch (IOException e) {
            throw new ModelFormatException(dir.toString(), "cannot be listed: " + e.getMessage(), e);
        }
    }

    /**
     * Only the tokenizer of a model (null: the built-in one), found as {@link #load} finds it;
     * for commands that tokenize and need no weights.
     */
    public static TokenizerSource tokenizer(Path path) {
        if (path == null) return new TokenizerSource.Json(resource(EMBEDDED_TOKENIZER), null);
        if (Files.isDirectory(path)) {
            if (Files.exists(path.resolve(HfConfig.CONFIG))) return directoryTokenizer(path);
            List<Path> gguf = files(path, ".gguf"), onnx = onnxFiles(path);
            if (gguf.size() == 1 && onnx.isEmpty()) return new TokenizerSource.Gguf(GgufFile.openUntilUnreachable(gguf.get(0)).metadata(), gguf.get(0).toString());
            if (onnx.size() == 1 && gguf.isEmpty()) return onnxTokenizer(onnx.get(0));
            return directoryTokenizer(path);
        }
        if (!Files.exists(path)) throw new ModelFormatException(path.toString(), "does not exist");
        String name = path.getFileName().toString();
        if (name.endsWith(".onnx")) return onnxTokenizer(path);
        if (name.endsWith(".gguf") || isGguf(path)) return new TokenizerSource.Gguf(GgufFile.openUntilUnreachable(path).metadata(), path.toString());
        return directoryTokenizer(parentOf(path));
    }

    private static TokenizerSource onnxTokenizer(Path onnx) {
        Path tokenizer = tokenizerBeside(onnx);
        return new TokenizerSource.Json(read(tokenizer), null, null, tokenizer.toString());
    }

    private static TokenizerSource directoryTokenizer(Path dir) {
        Path tokenizer = required(dir, TOKENIZER), config = dir.resolve(TOKENIZER_CONFIG), generation = dir.resolve(GENERATION_CONFIG);
        return new TokenizerSource.Json(read(tokenizer), withOwnChatTemplate(dir, Files.isRegularFile(config) ? read(config) : null),
                Files.isRegularFile(generation) ? read(generation) : null, tokenizer.toString());
    }

    /**
     * The tokenizer config with the directory's own chat template file folded in, as transformers
     * prefers chat_template.jinja, then chat_template.json, to the config's chat_template (an export
     * then keeps it in the config it writes).
     */
    private static byte[] withOwnChatTemplate(Path dir, byte[] config) {
        Path jinja = dir.resolve(ChatTemplateFiles.JINJA_FILE), json = dir.resolve(ChatTemplateFiles.JSON_FILE);
        String template;
        if (Files.isRegularFile(jinja)) {
            template = new String(read(jinja), StandardCharsets.UTF_8);
        } else if (Files.isRegularFile(json)) {
            try {
                template = ChatTemplateFiles.fromChatTemplateJson(read(json));
            } catch (TokenizerFormatException e) {
                throw new ModelFormatException(json.toString(), "is not a chat template file: " + e.getMessage(), e);
            }
        } else {
            return config;
        }
        try {
            return ChatTemplateFiles.withChatTemplate(config, template);
        } catch (TokenizerFormatException e) {
            throw new ModelFormatException(dir.resolve(TOKENIZER_CONFIG).toString(), "cannot be read: " + e.getMessage(), e);
        }
    }

    private static Path tokenizerBeside(Path onnx) {
        Path dir = parentOf(onnx);
        String stem = onnx.getFileName().toString().replaceFirst("\\.onnx$", "");
        Path tokenizer = dir.resolve(TOKENIZER);
        if (!Files.isRegularFile(tokenizer)) tokenizer = dir.resolve(stem + "-tokenizer.json");
        if (!Files.isRegularFile(tokenizer)) {
            throw new ModelFormatException(dir.resolve(TOKENIZER).toString(),
                    "is missing (the tokenizer for " + onnx.getFileName() + "; " + stem + "-tokenizer.json would also do)");
        }
        return tokenizer;
    }

    private static Checkpoint loadOnnx(Path onnx) {
        Path dir = parentOf(onnx);
        Checkpoint c = fromOnnx(read(onnx), read(tokenizerBeside(onnx)), onnx.toString());
        return new Checkpoint(c.config(), c.tensors(), onnxTokenizer(onnx), pooling(dir), c.source());
    }

    private static Checkpoint loadDirectory(Path dir) {
        return loadDirectory(dir, true);
    }

    /**
     * A model directory; {@code checkFinite} false skips the scan for values that are not finite
     * numbers, for a directory whose bytes are known to be what was written from a checked model.
     */
    static Checkpoint loadDirectory(Path dir, boolean checkFinite) {
        Path configFile = required(dir, HfConfig.CONFIG);
        ModelConfig config = HfConfig.readConfig(read(configFile), configFile.toString());
        boolean bert = config.family() == ModelConfig.Family.BERT;
        Predicate<String> wanted = name -> !bert || BertTensors.isKnownName(canonicalName(config, name));
        Path single = dir.resolve(SAFETENSORS);
        Map<String, Tensor> stored = checkFinite || !Files.isRegularFile(single) ? weights(dir, wanted)
                : SafeTensors.read(SafeTensors.map(single), single.toString(), wanted, false);
        Map<String, Tensor> tensors = canonical(config, stored, dir.resolve(HfConfig.CONFIG).toString());
        if (bert) BertTensors.validate(config, tensors, dir.resolve(SAFETENSORS).toString());
        return new Checkpoint(config, tensors, directoryTokenizer(dir), pooling(dir), dir.toString());
    }

    /** model.safetensors, or the shards that model.safetensors.index.json names, memory-mapped. */
    private static Map<String, Tensor> weights(Path dir, Predicate<String> wanted) {
        Path single = dir.resolve(SAFETENSORS);
        if (Files.isRegularFile(single)) return SafeTensors.read(single, wanted);
        Path index = dir.resolve(SAFETENSORS_INDEX);
        if (Files.isRegularFile(index)) return SafeTensors.readShards(index, wanted);
        String hint = Files.exists(dir.resolve("pytorch_model.bin"))
                ? " (pytorch_model.bin is not supported; save the model as safetensors)" : "";
        throw new ModelFormatException(single.toString(), "is missing, and so is " + SAFETENSORS_INDEX + hint);
    }

    /**
     * The name under which this project keeps a stored tensor: without the "bert." prefix of
     * task-head checkpoints (with old TensorFlow-style LayerNorm gamma/beta renamed), or GPT-2's
     * "transformer." prefix; Llama-family names as they are.
     */
    static String canonicalName(ModelConfig config, String name) {
        return switch (config.family()) {
            case BERT -> {
                String n = OnnxBertMapper.hfName(name);
                if (n.endsWith(".LayerNorm.gamma")) yield n.substring(0, n.length() - 5) + "weight";
                if (n.endsWith(".LayerNorm.beta")) yield n.substring(0, n.length() - 4) + "bias";
                yield n;
            }
            case GPT2 -> name.startsWith("transformer.") ? name.substring("transformer.".length()) : name;
            case LLAMA -> name;
        };
    }

    /** Renamed; a BERT's put in the order of {@link BertTensors#expectedShapes}, GPT-2's causal-mask buffers dropped. */
    private static Map<String, Tensor> canonical(ModelConfig config, Map<String, Tensor> stored, String file) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor t : stored.values()) {
            String name = canonicalName(config, t.name());
            if (config.family() == ModelConfig.Family.GPT2 && (name.endsWith(".attn.bias") || name.endsWith(".attn.masked_bias"))) {
                continue; // not weights: the causal mask that GPT-2 checkpoints carry as buffers
            }
            Tensor renamed = t.named(name);
            if (config.family() == ModelConfig.Family.GPT2 && name.contains(".c_") && t.quantized().isPresent()) {
                // a Conv1D weight [in × out]: its stored rows are W's rows, not the columns a layer reads in place
                renamed = Tensor.lazy(name, t.shape(), t::data, t::rows);
            }
            if (byName.put(name, renamed) != null) {
                throw new ModelFormatException(file, "holds " + name + " twice (with and without a prefix)");
            }
        }
        Checkpoint.checkLayers(config, byName.keySet(), file);
        if (config.family() != ModelConfig.Family.BERT) return byName;
        Map<String, Tensor> ordered = new LinkedHashMap<>();
        for (String name : BertTensors.expectedShapes(config).keySet()) {
            if (byName.containsKey(name)) ordered.put(name, byName.get(name));
        }
        for (String name : List.of(BertTensors.POOLER_WEIGHT, BertTensors.POOLER_BIAS)) {
            if (byName.containsKey(name)) ordered.put(name, byName.get(name));
        }
        return ordered;
    }

    /** sentence-transformers pooling beside the model, or null when the directory declares none. */
    private static Pooling pooling(Path dir) {
        Path config = dir.resolve(HfConfig.POOLING_CONFIG);
        if (!Files.isRegularFile(config)) return null;
        Path modules = dir.resolve(HfConfig.MODULES);
        return HfConfig.readPooling(read(config), config.toString(),
                Files.isRegularFile(modules) ? read(modules) : null, modules.toString());
    }

    private static Path required(Path dir, String name) {
        Path p = dir.resolve(name);
        if (!Files.isRegularFile(p)) throw new ModelFormatException(p.toString(), "is missing");
        return p;
    }

    private static byte[] read(Path p) {
        return SafeTensors.readFile(p);
    }

    /**
     * Writes a model directory that {@link #load} (and transformers / sentence-transformers)
     * read back: config.json, model.safetensors, tokenizer.json, the tokenizer_config.json and
     * generation_config.json the model came with (a GGUF's chat template as a tokenizer_config.json
     * of its own) and, when the checkpoint has a pooling, 1_Pooling/config.json and modules.json.
     * Float values are written bit for bit.
     */
    public static void export(Checkpoint c, Path dir) {
        if (c.config().family() == ModelConfig.Family.BERT) BertTensors.validate(c.config(), c.tensors(), c.source());
        try {
            Files.createDirectories(dir);
            Files.write(dir.resolve(HfConfig.CONFIG), HfConfig.writeConfig(c.config()));
            SafeTensors.write(c.tensors(), dir.resolve(SAFETENSORS));
            Files.write(dir.resolve(TOKENIZER), c.tokenizer().tokenizerJson());
            if (c.tokenizer() instanceof TokenizerSource.Json json) {
                if (json.config() != null) Files.write(dir.resolve(TOKENIZER_CONFIG), json.config());
                if (json.generationConfig() != null) Files.write(dir.resolve(GENERATION_CONFIG), json.generationConfig());
            } else if (c.tokenizer() instanceof TokenizerSource.Gguf gguf
                    && gguf.metadata().get(ChatTemplateFiles.GGUF_KEY) instanceof String template) {
                // A config holding only the template: the tokenizer reads it as it reads none.
                Files.write(dir.resolve(TOKENIZER_CONFIG), ChatTemplateFiles.withChatTemplate(null, template));
            }
            Path poolingConfig = dir.resolve(HfConfig.POOLING_CONFIG);
            Path modules = dir.resolve(HfConfig.MODULES);
            if (c.pooling() != null) {
                Files.createDirectories(poolingConfig.getParent());
                Files.write(poolingConfig, HfConfig.writePoolingConfig(c.pooling(), c.config().hiddenSize()));
                Files.write(modules, HfConfig.writeModules(c.pooling()));
            } else {
                // Files from an earlier export would otherwise give the reloaded model a pooling.
                Files.deleteIfExists(poolingConfig);
                Files.deleteIfExists(modules);
            }
        } catch (IOException e) {
            throw new ModelFormatException(dir.toString(), "cannot be written: " + e.getMessage(), e);
        }
    }
}
