package org.attentionsearch.cli;

import java.nio.file.Files;
import java.nio.file.Path;

import org.attentionsearch.math.Parallel;
import org.attentionsearch.model.Bert;
import org.attentionsearch.model.Pooling;
import org.attentionsearch.weights.Checkpoint;
import org.attentionsearch.weights.ModelLoader;
import picocli.CommandLine.Option;

/** The options every command shares: which model, how to pool, how many threads. */
final class ModelOptions {

    @Option(names = "--model", paramLabel = "PATH",
            description = "An .onnx file with its tokenizer.json beside it, or a model directory "
                    + "(config.json, model.safetensors, tokenizer.json). Default: the embedded all-MiniLM-L6-v2.")
    Path model;

    @Option(names = "--pooling", paramLabel = "MODE",
            description = "mean, cls or max, when the model's files do not say (default: mean).")
    String pooling;

    @Option(names = "--threads", paramLabel = "N", description = "Worker threads (default: all processors).")
    Integer threads;

    Checkpoint checkpoint() {
        applyThreads();
        if (model == null) return ModelLoader.embedded();
        if (!Files.exists(model)) throw new UsageException("model path " + model + " does not exist");
        return ModelLoader.load(model);
    }

    /** Just the tokenizer: no weights are read. */
    byte[] tokenizerJson() {
        applyThreads();
        if (model != null && !Files.exists(model)) throw new UsageException("model path " + model + " does not exist");
        return ModelLoader.tokenizerJson(model);
    }

    Bert bert() {
        Checkpoint c = checkpoint();
        if (pooling == null) return Bert.load(c);
        try {
            return Bert.load(c).withPooling(Pooling.parse(pooling));
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
