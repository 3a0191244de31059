package org.attentionsearch.search;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

import org.attentionsearch.model.KeyValueCache;
import org.attentionsearch.model.Model;
import org.attentionsearch.model.Output;
import org.attentionsearch.model.Sampler;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.text.IncrementalDecoder;

/**
 * A decoder writing, one token at a time, with the results page of every token it writes.
 * The prompt is read in one pass into a {@link KeyValueCache}; each step then samples a token
 * from the last logits and reads it — one row of work — which gives its page (from the step's
 * weights and the cached values) and the logits of the next step.
 *
 * <pre>{@code
 * for (Generation.Step step : Generation.of(model, "The river bank", settings)) {
 *     System.out.print(step.text());
 * }
 * }</pre>
 * Single use and not thread-safe: iterate it once.
 */
public final class Generation implements Iterable<Generation.Step> {

    /**
     * Steps the cache has room for from the start: growing it part way copies every layer's keys
     * and values, and SmolLM2's Q8_0 file then generated 64 tokens after a 1,024-token prompt at
     * 73 tokens/s against 95-119 with room made first (one thread, serial collector). A longer run
     * grows the cache by doubling past this, so that an early end of text leaves no large cache
     * unused.
     */
    static final int RESERVED_STEPS = 1024;

    /**
     * @param maxTokens    at most this many tokens are generated (&gt; 0)
     * @param sampling     greedy, or temperature / top-k / top-p with a seed
     * @param stopText     generation stops before this text appears (null or empty for none)
     * @param view         the view of each token's page, or null for no pages
     * @param top          results per page (0 for all)
     * @param alternatives how many of the model's best candidates each step lists
     * @param cache        how the key/value cache stores keys and values: F32, whose pages equal a pass over
     *                     the whole text's, or F16, half the memory and faster at long contexts, its numbers
     *                     close to those (every attention reads keys and values rounded to halves)
     */
    public record Settings(int maxTokens, Sampler.Settings sampling, String stopText, View view, int top, int alternatives,
                           KeyValueCache.Precision cache) {
        public Settings {
            if (maxTokens <= 0) throw new IllegalArgumentException("the number of tokens to generate must be at least 1, not " + maxTokens);
            if (top < 0 || alternatives < 0) throw new IllegalArgumentException("counts of results cannot be negative");
            if (stopText != null && stopText.isEmpty()) stopText = null;
            if (cache == null) cache = KeyValueCache.Precision.F32;
        }

        /** With a float32 cache. */
        public Settings(int maxTokens, Sampler.Settings sampling, String stopText, View view, int top, int alternatives) {
            this(maxTokens, sampling, stopText, view, top, alternatives, KeyValueCache.Precision.F32);
        }

        /** Greedy, up to {@code maxTokens}, no pages. */
        public static Settings greedy(int maxTokens) {
            return new Settings(maxTokens, Sampler.Settings.greedy(), null, null, 5, 5);
        }

        public Settings withView(View view) {
            return new Settings(maxTokens, sampling, stopText, view, top, alternatives, cache);
        }

        public Settings withCache(KeyValueCache.Precision cache) {
            return new Settings(maxTokens, sampling, stopText, view, top, alternatives, cache);
        }
    }

    /**
     * One generated token.
     *
     * @param step         0 for the first generated token
     * @param position     its position in the whole sequence (prompt included)
     * @param token        its vocabulary string
     * @param text         the text it settles: a character split over two tokens comes whole with the second, so
     *                     the texts of all steps concatenate to the generated text
     * @param probability  its probability under the model: p = exp(z_t − max z) / Σ_v exp(z_v − max z) over the
 *                     step's raw logits z (temperature 1, before any sampling filter), whatever chose it
     * @param alternatives the model's best candidates at this step, best first
     * @param page         its results page as a query, or null when no view was asked for
     */
    public record Step(int step, int position, int id, String token, String text, double probability,
                       List<NextTokens.Prediction> alternatives, ResultsPage page) {
    }

    /** Why generation ended. */
    public enum Stop {
        /** The model wrote an end-of-sequence or end-of-turn token. */
        EOS("eos"),
        /** The maximum number of tokens was reached. */
        MAX_TOKENS("max-tokens"),
        /** The stop text appeared (it is not part of the text). */
        STOP_TEXT("stop-text"),
        /** The model's positions are all used. */
        CONTEXT("context");

        private final String label;

        Stop(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    private final Model model;
    private final String promptText;
    private final Encoding prompt;
    private final Settings settings;
    private boolean started;
    private Stop stop;
    private final StringBuilder text = new StringBuilder();
    private final List<Integer> ids = new ArrayList<>();
    private long stepNanos;
    private double promptMillis;

    private Generation(Model model, String promptText, Encoding prompt, Settings settings) {
        if (!model.decoder()) throw new IllegalArgumentException("only a decoder generates text; this model is an encoder");
        if (prompt.length() == 0) throw new IllegalArgumentException("the prompt is empty");
        int max = model.config().maxPositions();
        if (prompt.length() >= max) {
            throw new IllegalArgumentException("the prompt has " + prompt.length() + " tokens, but the model reads at most "
                    + max + ", which leaves no room to generate");
        }
        if (settings.view() != null) new StepPages(model, settings.view(), null); // refuses a view a step cannot show
        this.model = model;
        this.promptText = promptText;
        this.prompt = prompt;
        this.settings = settings;
    }

    /** Generation after {@code prompt}, tokenized as the model does (with its BOS when it adds one). */
    public static Generation of(Model model, String prompt, Settings settings) {
        if (prompt == null || prompt.isEmpty()) throw new IllegalArgumentException("the prompt is empty");
        return new Generation(model, prompt, model.tokenizer().encode(prompt), settings);
    }

    /** Generation after a prompt already tokenized (a chat template's rendering, say); spans index {@code promptText}. */
    public static Generation of(Model model, String promptText, Encoding prompt, Settings settings) {
        return new Generation(model, promptText, prompt, settings);
    }

    public String prompt() {
        return promptText;
    }

    public Encoding promptEncoding() {
        return prompt;
    }

    /** The generated text so far (without the stop text). */
    public String text() {
        return text.toString();
    }

    /** The generated ids so far, an end-of-sequence token included. */
    public int[] ids() {
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Why it ended; null while it runs. */
    public Stop stop() {
        return stop;
    }

    /** Milliseconds of the prompt's pass. */
    public double promptMillis() {
        return promptMillis;
    }

    /** Prompt tokens read per second by the prompt's one pass. */
    public double promptTokensPerSecond() {
        return promptMillis == 0 ? 0 : prompt.length() / (promptMillis / 1e3);
    }

    /** Generated tokens per second of the steps (the prompt's pass not counted). */
    public double tokensPerSecond() {
        return stepNanos == 0 ? 0 : ids.size() / (stepNanos / 1e9);
    }

    @Override
    public Iterator<Step> iterator() {
        if (started) throw new IllegalStateException("a generation runs once");
        started = true;
        return new Steps();
    }

    public Stream<Step> stream() {
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(iterator(), Spliterator.ORDERED | Spliterator.NONNULL), false);
    }

    /** The loop, one step per next(). */
    private final class Steps implements Iterator<Step> {

        private final KeyValueCache cache = new KeyValueCache(model.config(), settings.cache());
        private final Sampler sampler = new Sampler(settings.sampling());
        private final IncrementalDecoder decoder = model.tokenizer().incrementalDecoder(true);
        private final StepPages pages = settings.view() == null ? null : new StepPages(model, settings.view(), cache);
        private final int[] stopIds = model.tokenizer().stopIds();
        private final List<TokenRef> tokens = new ArrayList<>();
        /** The generated text still held back because it may begin the stop text. */
        private int released;
        private float[] logits;
        private Step next;

        Steps() {
            for (int i = 0; i < prompt.length(); i++) {
                tokens.add(new TokenRef(i, prompt.ids()[i], prompt.tokens()[i], prompt.starts()[i], prompt.ends()[i]));
            }
            cache.reserve(prompt.length() + Math.min(settings.maxTokens(), RESERVED_STEPS));
            long t0 = System.nanoTime();
            logits = lastLogits(model.forward(prompt.ids(), cache, false));
            promptMillis = (System.nanoTime() - t0) / 1e6;
        }

        @Override
        public boolean hasNext() {
            if (next == null && stop == null) next = advance();
            return next != null;
        }

        @Override
        public Step next() {
            if (!hasNext()) throw new NoSuchElementException();
            Step s = next;
            next = null;
            return s;
        }

        private Step advance() {
            int step = ids.size(), position = prompt.length() + step;
            if (step == settings.maxTokens()) return end(Stop.MAX_TOKENS);
            if (position >= model.config().maxPositions()) return end(Stop.CONTEXT);
            long t0 = System.nanoTime();
            int v = model.head().vocabSize();
            int id = sampler.next(logits, 0, v);
            double[] softmax = NextTokens.normaliser(logits, 0, v); // one pass over the vocabulary for both
            double probability = Math.exp(logits[id] - softmax[0]) / softmax[1];
            List<NextTokens.Prediction> alternatives = settings.alternatives() == 0 ? List.of()
                    : NextTokens.top(model, logits, 0, v, settings.alternatives(), softmax[0], softmax[1]);
            ids.add(id);
            boolean eos = Arrays.stream(stopIds).anyMatch(s -> s == id);
            int before = text.length();
            text.append(decoder.next(id));
            Stop ending = eos ? Stop.EOS : step + 1 == settings.maxTokens() ? Stop.MAX_TOKENS : null;
            int stopAt = settings.stopText() == null ? -1 : text.indexOf(settings.stopText(), Math.max(0, released - settings.stopText().length()));
            if (stopAt >= 0) {
                text.setLength(stopAt);
                ending = Stop.STOP_TEXT;
            } else if (ending != null) {
                text.append(decoder.finish());
            }
            String piece = release(ending != null);
            // Its span is the text it settled (empty while a character is incomplete), after the prompt's.
            tokens.add(new TokenRef(position, id, model.tokenizer().token(id), promptText.length() + Math.min(before, text.length()),
                    promptText.length() + text.length()));
            ResultsPage page = null;
            // Reading the token gives its page and the next logits; the last token is read only for its page.
            if (ending == null || pages != null) {
                Output out = model.forward(new int[] {id}, cache, pages != null);
                logits = lastLogits(out);
                if (pages != null) page = pages.page(out.trace(0), tokens, promptText + text, position, settings.top());
            }
            stepNanos += System.nanoTime() - t0;
            if (ending != null) stop = ending;
            return new Step(step, position, id, model.tokenizer().token(id), piece, probability, alternatives, page);
        }

        /** The text that can go out now: all of it at the end, else all but what may begin the stop text. */
        private String release(boolean last) {
            int end = text.length();
            if (!last && settings.stopText() != null) end -= heldBack(text, settings.stopText(), released);
            String out = text.substring(released, end);
            released = end;
            return out;
        }

        private Step end(Stop why) {
            stop = why;
            return null;
        }

        private float[] lastLogits(Output out) {
            int h = model.config().hiddenSize(), rows = out.batch().rows();
            return model.head().logits(Arrays.copyOfRange(out.hidden(), (rows - 1) * h, rows * h), 1);
        }
    }

    /** The length of the longest tail of text (after {@code from}) that is a proper beginning of {@code stop}. */
    static int heldBack(CharSequence text, String stop, int from) {
        int n = text.length();
        for (int len = Math.min(stop.length() - 1, n - from); len > 0; len--) {
            if (stop.regionMatches(0, text.toString(), n - len, len)) return len;
        }
        return 0;
    }

    /** softmax(logits)[id], in double. */
    static double probability(float[] logits, int id) {
        double[] softmax = NextTokens.normaliser(logits, 0, logits.length);
        return Math.exp(logits[id] - softmax[0]) / softmax[1];
    }
}
