package org.attentionsearch.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import org.attentionsearch.model.Model;
import org.attentionsearch.weights.ModelLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "export", mixinStandardHelpOptions = true, description = "Write the loaded model as a Hugging Face model directory "
        + "(config.json, model.safetensors, tokenizer.json, tokenizer_config.json with the chat template, pooling config).")
final class ExportCommand implements Callable<Integer> {

    @Mixin ModelOptions options;

    @Parameters(paramLabel = "DIR", description = "The directory to write (created if missing; must be empty if it exists).")
    Path dir;

    @Override
    public Integer call() throws Exception {
        if (Files.exists(dir) && !Files.isDirectory(dir)) throw new UsageException(dir + " exists and is not a directory");
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) throw new UsageException(dir + " is not empty; export writes into an empty or new directory");
            }
        }
        Model model = options.load();
        // An encoder's pooling is written so that sentence-transformers embeds alike; a decoder's
        // only when its files or --pooling state one (else it would pass for an embedding model).
        ModelLoader.export(model.decoder() ? model.checkpoint() : model.checkpoint().withPooling(model.pooling()), dir);
        System.err.println("exported " + model.checkpoint().source() + " to " + dir);
        return 0;
    }
}
