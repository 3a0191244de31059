package org.attentionsearch.cli;

import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

import org.attentionsearch.model.NonFiniteValueException;
import org.attentionsearch.text.TokenizerFormatException;
import org.attentionsearch.weights.ModelFormatException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * {@code attention-search [COMMAND] …}. Without a command the arguments are texts to explain,
 * so {@code attention-search "some text"} is the main job.
 * Exit codes: 0 ok, 1 internal error, 2 bad usage or input, 3 a model file problem.
 */
@Command(name = "attention-search", mixinStandardHelpOptions = true, version = "attention-search 0.1.0",
        description = {"See how a transformer attends: every token's query, the keys it finds, and what their values add.",
                "",
                "attention-search TEXT…  is short for  attention-search explain TEXT…  (see explain --help)."},
        subcommands = CommandLine.HelpCommand.class)
public final class Main {

    static final int OK = 0, INTERNAL = 1, USAGE = 2, MODEL = 3;

    /** The commands after help, in the order help lists them. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = subcommands();

    private static Map<String, Supplier<Object>> subcommands() {
        Map<String, Supplier<Object>> m = new LinkedHashMap<>();
        m.put("explain", ExplainCommand::new);
        m.put("next", NextCommand::new);
        m.put("generate", GenerateCommand::new);
        m.put("tokenize", TokenizeCommand::new);
        m.put("embed", EmbedCommand::new);
        m.put("export", ExportCommand::new);
        m.put("serve", ServeCommand::new);
        m.put("index", IndexCommand::new);
        m.put("search", CorpusSearchCommand::new);
        m.put("heads", HeadsCommand::new);
        return m;
    }

    private static final Set<String> COMMANDS = Set.of("explain", "next", "generate", "tokenize", "embed", "export", "serve",
            "index", "search", "heads", "help", "-h", "--help", "-V", "--version");

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        args = commandFirst(args);
        if (args.length == 0 || !COMMANDS.contains(args[0])) {
            String[] withCommand = new String[args.length + 1];
            withCommand[0] = "explain";
            System.arraycopy(args, 0, withCommand, 1, args.length);
            args = withCommand;
        }
        Callable<Integer> plain = PlainTexts.command(args);
        if (plain != null) {
            try {
                return plain.call();
            } catch (Throwable e) { // as picocli's execution handler below
                return fail(e);
            }
        }
        CommandLine cli = new CommandLine(new Main());
        // picocli reads every command's annotations when it is added, a good part of a short run's
        // start: a run of one command adds only that one (help and --help still see them all).
        Supplier<Object> chosen = SUBCOMMANDS.get(args[0]);
        if (chosen != null) cli.addSubcommand(args[0], chosen.get());
        else SUBCOMMANDS.forEach((name, command) -> cli.addSubcommand(name, command.get()));
        cli.setParameterExceptionHandler((e, a) -> {
            System.err.println("error: " + firstLine(e.getMessage()) + " (see --help)");
            return USAGE;
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> fail(e));
        try {
            return cli.execute(args);
        } catch (Throwable e) {   // errors such as OutOfMemoryError pass picocli's handler
            return fail(e);
        }
    }

    /**
     * Options before the command ({@code --model m.gguf next "text"}) are moved after it: a
     * command named after leading options is the command, not a text to explain.
     */
    static String[] commandFirst(String[] args) {
        if (args.length == 0 || !args[0].startsWith("--")) return args;
        for (int i = 1; i < args.length; i++) {
            boolean optionValue = args[i - 1].startsWith("--") && !args[i - 1].contains("=") && !FLAGS.contains(args[i - 1]);
            if (!args[i].startsWith("-") && !optionValue) {
                if (!COMMANDS.contains(args[i]) || args[i].startsWith("-")) return args;
                String[] out = new String[args.length];
                out[0] = args[i];
                System.arraycopy(args, 0, out, 1, i);
                System.arraycopy(args, i + 1, out, i + 1, args.length - i - 1);
                return out;
            }
        }
        return args;
    }

    /** Options that take no value, so the word after them is not theirs. */
    private static final Set<String> FLAGS = Set.of("--json", "--tokens", "--lens", "--math", "--rollout", "--no-truncate",
            "--help", "--version", "--chat", "--without-sinks", "--stream-pages",
            "--same-token", "--other-tokens", "--sink");

    /** One line on stderr, and the exit code for the kind of failure; never a stack trace. */
    static int fail(Throwable e) {
        PrintWriter err = new PrintWriter(System.err, true);
        if (e instanceof JsonLines.OutputClosed) return OK;
        if (e instanceof UsageException) {
            err.println("error: " + e.getMessage());
            return USAGE;
        }
        if (e instanceof ModelFormatException || e instanceof TokenizerFormatException) {
            err.println("error: " + e.getMessage());
            return MODEL;
        }
        if (e instanceof NonFiniteValueException) { // the model computes no result for this input: say where
            err.println("error: " + e.getMessage());
            return INTERNAL;
        }
        if (e instanceof UncheckedIOException io) {
            err.println("error: " + io.getCause().getMessage());
            return INTERNAL;
        }
        if (e instanceof OutOfMemoryError) {
            err.println("error: out of memory; give the JVM more with ATTENTION_SEARCH_JAVA_OPTS=-Xmx8g or use smaller batches");
            return INTERNAL;
        }
        err.println("error: internal error: " + e);
        return INTERNAL;
    }

    private static String firstLine(String s) {
        int nl = s == null ? -1 : s.indexOf('\n');
        return nl < 0 ? String.valueOf(s) : s.substring(0, nl);
    }
}
