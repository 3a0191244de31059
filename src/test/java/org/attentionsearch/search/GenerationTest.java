package org.attentionsearch.search;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.attentionsearch.model.Model;
import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Output;
import org.attentionsearch.model.Sampler;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.testing.SyntheticModels;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generation from the key/value cache against recomputation from scratch: the same greedy tokens
 * as re-reading the whole prefix at every step, and each generated token's page equal to the
 * page of the same position when the whole sequence is analysed in one pass.
 */
class GenerationTest {

    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of("gpt2", (Supplier<ModelConfig>) RandomDecoders::gpt2),
                Arguments.of("llama (grouped keys)", (Supplier<ModelConfig>) RandomDecoders::llama),
                Arguments.of("qwen3 (q/k norms)", (Supplier<ModelConfig>) RandomDecoders::qwen3),
                Arguments.of("mistral (sliding window)", (Supplier<ModelConfig>) RandomDecoders::mistralWindowed));
    }

    private static final int[] PROMPT = {5, 17, 33, 8, 61, 2, 40};

    private static Encoding encoding(int[] ids) {
        int n = ids.length;
        String[] tokens = new String[n];
        Arrays.fill(tokens, "t");
        int[] none = new int[n];
        Arrays.fill(none, -1);
        return new Encoding(ids, new int[n], tokens, none, none.clone());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void greedyStepsEqualRecomputingThePrefix(String name, Supplier<ModelConfig> config) {
        Model model = Model.load(RandomDecoders.checkpoint(config.get(), name.hashCode()));
        int steps = 24, v = model.config().vocabSize(), h = model.config().hiddenSize();
        Generation g = Generation.of(model, "", encoding(PROMPT), Generation.Settings.greedy(steps));
        List<Generation.Step> out = g.stream().toList();
        assertEquals(steps, out.size());
        assertEquals(Generation.Stop.MAX_TOKENS, g.stop());

        int[] prefix = PROMPT.clone();
        for (int s = 0; s < steps; s++) {
            Output whole = model.forward(List.of(encoding(prefix)), false);
            int n = prefix.length;
            float[] logits = model.head().logits(Arrays.copyOfRange(whole.hidden(), (n - 1) * h, n * h), 1);
            int want = Sampler.argmax(logits, 0, v);
            assertEquals(want, out.get(s).id(), name + ": token of step " + s);
            assertEquals(n, out.get(s).position());
            assertEquals(Generation.probability(logits, want), out.get(s).probability(), 1e-5, name + ": probability at step " + s);
            prefix = Arrays.copyOf(prefix, n + 1);
            prefix[n] = want;
        }
        assertArrayEquals(Arrays.copyOfRange(prefix, PROMPT.length, prefix.length), g.ids());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void aGeneratedTokensPageIsThePageOfItsPositionInTheWholeText(String name, Supplier<ModelConfig> config) {
        Model model = Model.load(RandomDecoders.checkpoint(config.get(), 31 + name.hashCode()));
        ModelConfig c = model.config();
        List<View> views = List.of(new View.ValueBlend(c.layers() / 2), new View.Head(c.layers() - 1, c.heads() - 1),
                new View.Head(0, 0), new View.MeanBlend(0));
        for (View view : views) {
            Generation.Settings settings = new Generation.Settings(12, new Sampler.Settings(1.0, 0, 1, 99), null, view, 0, 3);
            Generation g = Generation.of(model, "", encoding(PROMPT), settings);
            List<Generation.Step> steps = g.stream().toList();
            int[] all = new int[PROMPT.length + steps.size()];
            System.arraycopy(PROMPT, 0, all, 0, PROMPT.length);
            for (Generation.Step s : steps) all[s.position()] = s.id();
            Analysis whole = Analysis.of(model, new Model.Tokenized("", encoding(all), 0));
            for (Generation.Step s : steps) {
                ResultsPage want = whole.page(view, s.position(), 0), got = s.page();
                assertNotNull(got);
                String where = name + " " + view + " position " + s.position();
                assertEquals(want.keys(), got.keys(), where);
                assertEquals(want.effectiveResults(), got.effectiveResults(), 1e-6 * want.effectiveResults(), where + " effective results");
                assertEquals(want.coveredWeight(), got.coveredWeight(), 1e-5, where);
                for (int r = 0; r < want.results().size(); r++) {
                    Result a = want.results().get(r), b = got.results().get(r);
                    assertEquals(a.weight(), b.weight(), 1e-6, where + " rank " + r);
                    // Equal weights may rank either way round only when they are within rounding of each other.
                    if (a.key().position() != b.key().position()) {
                        assertEquals(a.weight(), got.results().get(r).weight(), 1e-6, where + " tie at rank " + r);
                    }
                    if (a.key().position() == b.key().position()) assertEquals(a.sink(), b.sink(), where + " sink mark at rank " + r);
                    if (!Double.isNaN(a.score())) assertEquals(a.score(), b.score(), 1e-5 * (1 + Math.abs(a.score())), where);
                    if (!Double.isNaN(a.valueNorm())) assertEquals(a.valueNorm(), b.valueNorm(), 1e-5 * (1 + a.valueNorm()), where);
                }
            }
        }
    }

    /** Text and stop text on a real byte-level vocabulary. */
    @Test
    void theStepsSpellTheDecodedTextAndTheStopTextEndsIt() {
        Model model = Model.load(ModelLoader.load(SyntheticModels.gguf(SyntheticModels.gpt2())));
        Generation.Settings sampled = new Generation.Settings(40, new Sampler.Settings(1.5, 0, 1, 7), null, null, 5, 2);
        Generation first = Generation.of(model, "Once upon a time", sampled);
        StringBuilder spelled = new StringBuilder();
        for (Generation.Step s : first) spelled.append(s.text());
        assertEquals(model.tokenizer().decode(first.ids(), true), first.text());
        assertEquals(first.text(), spelled.toString());

        Generation again = Generation.of(model, "Once upon a time", sampled);
        again.stream().forEach(s -> { });
        assertArrayEquals(first.ids(), again.ids(), "a seed repeats the generation");

        String text = first.text();
        assertTrue(text.length() > 12, "the sampled text is long enough to cut: " + text);
        String stop = text.substring(text.length() / 2, text.length() / 2 + 3);
        Generation cut = Generation.of(model, "Once upon a time",
                new Generation.Settings(40, sampled.sampling(), stop, null, 5, 2));
        StringBuilder streamed = new StringBuilder();
        for (Generation.Step s : cut) {
            streamed.append(s.text());
            assertFalse(streamed.toString().contains(stop), "nothing of the stop text is let out");
        }
        assertEquals(Generation.Stop.STOP_TEXT, cut.stop());
        assertEquals(text.substring(0, text.indexOf(stop)), cut.text());
        assertEquals(cut.text(), streamed.toString());
    }

    @Test
    void heldBackIsTheLongestTailThatBeginsTheStopText() {
        assertEquals(2, Generation.heldBack("hello wo", "world", 0));
        assertEquals(0, Generation.heldBack("hello", "world", 0));
        assertEquals(1, Generation.heldBack("aaa", "ab", 0));
        assertEquals(0, Generation.heldBack("hello w", "world", 7), "nothing before what is already out");
    }

    @Test
    void badSettingsAndPromptsAreRefused() {
        Model model = Model.load(RandomDecoders.checkpoint(RandomDecoders.llama(), 1));
        assertThrows(IllegalArgumentException.class, () -> Generation.Settings.greedy(0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(-1, 0, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(1, 0, 2, 0));
        assertThrows(IllegalArgumentException.class, () -> new Sampler.Settings(1, -3, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> Generation.of(model, "", encoding(new int[0]), Generation.Settings.greedy(3)));
        int[] full = new int[model.config().maxPositions()];
        assertThrows(IllegalArgumentException.class, () -> Generation.of(model, "", encoding(full), Generation.Settings.greedy(3)));
        assertThrows(IllegalArgumentException.class, () -> Generation.of(Model.embedded(), "text", Generation.Settings.greedy(3)));
        assertThrows(IllegalArgumentException.class, () -> Generation.of(model, "", encoding(PROMPT),
                Generation.Settings.greedy(3).withView(new View.Rollout())));
    }

    @Test
    void theLastPositionEndsGeneration() {
        Model model = Model.load(RandomDecoders.checkpoint(RandomDecoders.gpt2(), 2));
        int max = model.config().maxPositions();
        int[] prompt = new int[max - 3];
        Arrays.fill(prompt, 9);
        Generation g = Generation.of(model, "", encoding(prompt),
                Generation.Settings.greedy(10).withView(new View.ValueBlend(0)));
        List<Generation.Step> steps = new ArrayList<>();
        g.forEach(steps::add);
        assertEquals(3, steps.size());
        assertEquals(Generation.Stop.CONTEXT, g.stop());
        assertNotNull(steps.getLast().page());
    }
}
