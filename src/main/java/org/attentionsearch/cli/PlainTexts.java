package org.attentionsearch.cli;

import java.util.List;
import java.util.concurrent.Callable;

/**
 * A run of {@code tokenize} or {@code explain} given nothing but texts, without picocli: building
 * picocli's model of a command reads its annotations by reflection (each one a dynamic proxy
 * class, spun at run time, which the start-up cache cannot hold), about 0.2 s of a 0.6 s
 * {@code tokenize}. With no option the command's fields keep their initial values, as picocli
 * would leave them, and the texts are its positional parameters. Any argument that picocli might
 * read otherwise (an option, {@code --}, an {@code @file}) goes through picocli as before.
 */
final class PlainTexts {
    private PlainTexts() {
    }

    /** The command to run for {@code args} (command first), or null when picocli should parse them. */
    static Callable<Integer> command(String[] args) {
        if (args.length < 2) return null; // no text: picocli's usage message
        for (int i = 1; i < args.length; i++) {
            if (args[i].startsWith("-") || args[i].startsWith("@")) return null;
        }
        List<String> texts = List.of(args).subList(1, args.length);
        TextInput input = new TextInput();
        input.texts.addAll(texts);
        return switch (args[0]) {
            case "tokenize" -> {
                TokenizeCommand c = new TokenizeCommand();
                c.input = input;
                yield c;
            }
            case "explain" -> {
                ExplainCommand c = new ExplainCommand();
                c.options = new ModelOptions();
                c.input = input;
                yield c;
            }
            default -> null;
        };
    }
}
