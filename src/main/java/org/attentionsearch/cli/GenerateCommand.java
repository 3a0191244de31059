package org.attentionsearch.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.core.JsonGenerator;
import org.attentionsearch.model.KeyValueCache;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Sampler;
import org.attentionsearch.search.Generation;
import org.attentionsearch.search.NextTokens;
import org.attentionsearch.search.ResultsPage;
import org.attentionsearch.search.SearchJson;
import org.attentionsearch.search.View;
import org.attentionsearch.text.ChatTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "generate", mixinStandardHelpOptions = true, description = {
        "A decoder continues the prompt, token by token, from its key/value cache.",
        "Text streams to standard output as it is written; with --json, every new token comes with its results page."})
final class GenerateCommand implements Callable<Integer> {

    @Mixin ModelOptions options;

    @Parameters(paramLabel = "PROMPT", arity = "0..*", description = "The text to continue (one argument: quote it).")
    List<String> prompt;

    @Option(names = "--max-tokens", paramLabel = "N", description = "Tokens to generate at most (default: 64).")
    int maxTokens = 64;

    @Option(names = "--temperature", paramLabel = "T", description = "0 for greedy (the default), else the sampling temperature.")
    double temperature = 0;

    @Option(names = "--top-k", paramLabel = "K", description = "Sample among the K likeliest tokens only (default: 0, all).")
    int topK = 0;

    @Option(names = "--top-p", paramLabel = "P", description = "Sample among the likeliest tokens that make up probability P (default: 1, all).")
    double topP = 1;

    @Option(names = "--seed", paramLabel = "S", description = "Seed of the sampling (default: a new one each run, reported with --json).")
    Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "Stop before this text would be written.")
    String stop;

    @Option(names = "--chat", description = "Wrap the prompt as one user message with the model's chat template (tokenizer_config.json's or the GGUF's).")
    boolean chat;

    @Option(names = "--json", description = "One JSON object per generated token with its results page, then a summary (schema: docs/json.md).")
    boolean json;

    @Option(names = "--layer", paramLabel = "L", description = "With --json: the layer of each token's page (default: the middle one).")
    Integer layer;

    @Option(names = "--head", paramLabel = "H", description = "With --json: one head's page instead of the layer's value-weighted blend.")
    Integer head;

    @Option(names = "--blend", paramLabel = "mean|value", description = "With --json: blend the layer's heads by mean weight or by what each value adds (default).")
    String blend;

    @Option(names = "--top", paramLabel = "K", description = "With --json: results per page (default: 10).")
    int top = 10;

    @Option(names = "--without-sinks", description = "With --json: pages with their attention sinks left out and the rest renormalised (docs/json.md).")
    boolean withoutSinks;

    @Option(names = "--alternatives", paramLabel = "K", description = "With --json: the model's K likeliest tokens at each step (default: 5).")
    int alternatives = 5;

    @Option(names = "--kv-cache", paramLabel = "f32|f16", description = "How the key/value cache stores keys and values: f32 (the default), whose pages equal one pass over the whole text's, or f16, half the memory and faster at long contexts, its numbers close to those.")
    String kvCache = "f32";

    @Override
    public Integer call() throws IOException {
        String text = promptText();
        if (maxTokens < 1 || maxTokens > 1_000_000) throw new UsageException("--max-tokens must be between 1 and 1000000");
        if (top < 1 || top > 1000) throw new UsageException("--top must be between 1 and 1000");
        if (alternatives < 0 || alternatives > 100) throw new UsageException("--alternatives must be between 0 and 100");
        if ((layer != null || head != null || blend != null || withoutSinks) && !json) {
            throw new UsageException("--layer, --head, --blend and --without-sinks choose the pages of --json");
        }
        if (blend != null && head != null) throw new UsageException("choose either --head or --blend, not both");
        if (blend != null && !blend.equals("mean") && !blend.equals("value")) throw new UsageException("--blend takes mean or value, not '" + blend + "'");
        KeyValueCache.Precision cache = switch (kvCache) {
            case "f32" -> KeyValueCache.Precision.F32;
            case "f16" -> KeyValueCache.Precision.F16;
            default -> throw new UsageException("--kv-cache takes f32 or f16, not '" + kvCache + "'");
        };
        long chosenSeed = seed != null ? seed : System.nanoTime();
        Sampler.Settings sampling;
        try {
            sampling = new Sampler.Settings(temperature, topK, topP, chosenSeed);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage().replace("the temperature", "--temperature").replace("top-k", "--top-k")
                    .replace("top-p", "--top-p"));
        }
        Model model = options.load();
        if (!model.decoder()) {
            throw new UsageException(options.modelName() + " is an encoder (" + model.config().modelType()
                    + "): it does not write text; generate needs a decoder such as GPT-2, Llama or Qwen");
        }
        View view = json ? view(model) : null;
        Generation generation;
        try {
            Generation.Settings settings = new Generation.Settings(maxTokens, sampling, stop, view, withoutSinks ? 0 : top, alternatives, cache);
            if (chat) {
                // The template writes the conversation's special tokens (BOS included) itself.
                ChatTemplate template = model.chatTemplate().orElseThrow(() -> new UsageException(options.modelName()
                        + " ships no chat template (tokenizer_config.json's chat_template or the GGUF's tokenizer.chat_template); drop --chat"));
                String rendered = template.renderUserPrompt(text);
                generation = Generation.of(model, rendered, model.tokenizer().encode(rendered, false), settings);
            } else {
                generation = Generation.of(model, text, settings);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        PrintStream out = System.out;
        if (json) {
            try (JsonLines lines = new JsonLines(out)) {
                for (Generation.Step step : generation) {
                    lines.object(g -> write(g, step, withoutSinks ? step.page().withoutSinks().top(top) : step.page()));
                    lines.flush();
                }
                lines.object(g -> summary(g, generation, chosenSeed, kvCache));
            }
        } else {
            for (Generation.Step step : generation) {
                out.print(step.text());
                out.flush();
                if (out.checkError()) return 0; // the reader has gone
            }
            out.println();
            Style style = Style.detect();
            System.err.println(style.dim(String.format(Locale.ROOT, "[%s · %d tokens · %.1f tokens/s]",
                    generation.stop().label(), generation.ids().length, generation.tokensPerSecond())));
        }
        return 0;
    }

    private String promptText() {
        if (prompt == null || prompt.isEmpty()) throw new UsageException("give a prompt to continue");
        if (prompt.size() > 1) throw new UsageException("generate continues one prompt; quote it as one argument");
        String text = prompt.getFirst();
        if (text.isEmpty()) throw new UsageException("the prompt is empty");
        return text;
    }

    private View view(Model model) {
        int layers = model.config().layers(), heads = model.config().heads();
        int l = layer != null ? layer : (layers - 1) / 2;
        if (l < 0 || l >= layers) throw new UsageException("layer " + l + " is out of range 0.." + (layers - 1));
        if (head != null && (head < 0 || head >= heads)) throw new UsageException("head " + head + " is out of range 0.." + (heads - 1));
        if (head != null) return new View.Head(l, head);
        return "mean".equals(blend) ? new View.MeanBlend(l) : new View.ValueBlend(l);
    }

    private static void write(JsonGenerator g, Generation.Step s, ResultsPage page) throws IOException {
        g.writeNumberField("step", s.step());
        g.writeNumberField("position", s.position());
        g.writeNumberField("id", s.id());
        g.writeStringField("token", s.token());
        g.writeStringField("text", s.text());
        g.writeNumberField("probability", s.probability());
        g.writeArrayFieldStart("alternatives");
        for (NextTokens.Prediction p : s.alternatives()) {
            g.writeStartObject();
            g.writeNumberField("id", p.id());
            g.writeStringField("text", p.text());
            g.writeNumberField("probability", p.probability());
            g.writeEndObject();
        }
        g.writeEndArray();
        if (page != null) {
            g.writeFieldName("page");
            SearchJson.writePage(g, page);
        }
    }

    private static void summary(JsonGenerator g, Generation gen, long seed, String kvCache) throws IOException {
        g.writeStringField("prompt", gen.prompt());
        g.writeStringField("text", gen.text());
        g.writeArrayFieldStart("ids");
        for (int id : gen.ids()) g.writeNumber(id);
        g.writeEndArray();
        g.writeStringField("stop", gen.stop().label());
        g.writeNumberField("promptTokens", gen.promptEncoding().length());
        g.writeNumberField("seed", seed);
        g.writeStringField("kvCache", kvCache);
        g.writeNumberField("promptTokensPerSecond", Math.round(gen.promptTokensPerSecond() * 10) / 10.0);
        g.writeNumberField("tokensPerSecond", Math.round(gen.tokensPerSecond() * 10) / 10.0);
    }
}
