package org.attentionsearch.spark;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import org.attentionsearch.model.Model;

/**
 * The models of one JVM — a Spark executor's, or the driver's — loaded once and kept: tasks get
 * only the model's path, never the weights, and each executor maps the file itself (GGUF and
 * safetensors weights stay memory-mapped).
 */
public final class ExecutorModels {

    private static final Map<String, Model> MODELS = new HashMap<>();

    private ExecutorModels() {
    }

    /** The model at {@code path} (a .gguf file, a Hugging Face directory, an .onnx file), or the embedded one for null or "". */
    public static synchronized Model get(String path) {
        String key = path == null ? "" : path;
        return MODELS.computeIfAbsent(key, p -> p.isEmpty() ? Model.embedded() : Model.load(Path.of(p)));
    }

    /** A name for the model, as the command line gives it: the embedded model's, or the last part of the path. */
    public static String name(String path) {
        if (path == null || path.isEmpty()) return "all-MiniLM-L6-v2";
        Path name = Path.of(path).toAbsolutePath().normalize().getFileName();
        return name == null ? path : name.toString();
    }
}
