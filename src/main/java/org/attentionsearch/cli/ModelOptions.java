package org.attentionsearch.cli;

import java.nio.file.Path;

import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Pooling;
import org.attentionsearch.text.Tokenizer;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.ModelLoader;
import picocli.CommandLine.Option;

/** The options every command shares: which model, how to pool, how many threads. */
final class ModelOptions {

    @Option(names = "--model", paramLabel = "PATH",
            description = "A .gguf file, a Hugging Face model directory (config.json, model.safetensors or its shards, "
                    + "tokenizer.json), or an .onnx file with its tokenizer.json beside it. Default: the embedded all-MiniLM-L6-v2.")
    Path model;

    @Option(names = "--pooling", paramLabel = "MODE",
            description = "mean, cls, max or last (default: what the model's files declare, else mean for an encoder and the last token for a decoder).")
    String pooling;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all processors).")
    Integer threads;

    /** Options are checked before anything is loaded; a missing model file is a model problem (exit 3). */
    Checkpoint checkpoint() {
        Pooling chosen = chosenPooling();
        applyThreads();
        Checkpoint c = model == null ? ModelLoader.embedded() : ModelLoader.load(model);
        return chosen == null ? c : c.withPooling(chosen);
    }

    /** Just the tokenizer: no weights are read. */
    Tokenizer tokenizer() {
        chosenPooling();
        applyThreads();
        return ModelLoader.tokenizer(model).load();
    }

    /** The model, with --pooling overriding what its files declare. */
    Model load() {
        return Model.load(checkpoint());
    }

    /** A name for output: the built-in model's, or the last part of --model's path. */
    String modelName() {
        if (model == null) return "all-MiniLM-L6-v2";
        Path name = model.toAbsolutePath().normalize().getFileName();
        return name == null ? model.toString() : name.toString();
    }

    private Pooling chosenPooling() {
        if (pooling == null) return null;
        try {
            return Pooling.parse(pooling);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private void applyThreads() {
        if (threads == null) return;
        if (threads < 1 || threads > 256) throw new UsageException("--threads must be between 1 and 256");
        Parallel.setThreads(threads);
    }
}
