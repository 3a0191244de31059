package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.function.Supplier;
import java.util.stream.Stream;

import org.attentionsearch.testing.RandomDecoders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A decoder that reads a prefix once and then one token at a time from its key/value cache gives
 * what one pass over the whole text gives: the final vectors, and every layer's attention weights
 * and scores of the new tokens (the scores to the bit).
 */
class KeyValueCacheTest {

    static Stream<Arguments> configurations() {
        return Stream.of(
                Arguments.of("gpt2 (learned positions)", (Supplier<ModelConfig>) RandomDecoders::gpt2),
                Arguments.of("llama (grouped keys)", (Supplier<ModelConfig>) RandomDecoders::llama),
                Arguments.of("qwen2 (q/k/v bias)", (Supplier<ModelConfig>) RandomDecoders::qwen2),
                Arguments.of("qwen3 (q/k norms)", (Supplier<ModelConfig>) RandomDecoders::qwen3),
                Arguments.of("llama 3.1 rope scaling", (Supplier<ModelConfig>) RandomDecoders::llama3Scaled),
                Arguments.of("mistral (sliding window)", (Supplier<ModelConfig>) RandomDecoders::mistralWindowed));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void cachedStepsEqualOnePassOverTheWholeText(String name, Supplier<ModelConfig> config) {
        Transformer model = (Transformer) Model.load(RandomDecoders.checkpoint(config.get(), name.hashCode()));
        ModelConfig c = model.config();
        Random random = new Random(name.hashCode());
        int n = Math.min(70, c.maxPositions()), prompt = 20, h = c.hiddenSize(), heads = c.heads();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = random.nextInt(RandomDecoders.VOCAB);
        Output whole = model.forward(Batch.of(ids), true);
        Trace all = whole.trace(0);

        KeyValueCache cache = new KeyValueCache(c);
        int at = 0;
        // The prompt in one pass, then single tokens, then a block of three: every way a pass can continue.
        for (int len : stepLengths(prompt, n)) {
            int[] part = java.util.Arrays.copyOfRange(ids, at, at + len);
            Output step = model.forward(part, cache, true);
            assertEquals(at + len, cache.length());
            for (int r = 0; r < len; r++) {
                for (int k = 0; k < h; k++) {
                    assertEquals(whole.hidden()[(at + r) * h + k], step.hidden()[r * h + k], 2e-5,
                            name + ": final vector of position " + (at + r));
                }
            }
            for (int l = 0; l < c.layers(); l++) {
                float[] w = step.trace(0).layer(l, "attention.weights"), s = step.trace(0).layer(l, "attention.scores");
                float[] wantW = all.layer(l, "attention.weights"), wantS = all.layer(l, "attention.scores");
                int keys = at + len;
                for (int head = 0; head < heads; head++) {
                    for (int r = 0; r < len; r++) {
                        int i = at + r;
                        for (int j = 0; j < keys; j++) {
                            float ws = wantS[(head * n + i) * n + j], gs = s[(head * len + r) * keys + j];
                            // The cache's transposed keys go through the pass's own kernel: the same bits.
                            assertEquals(ws, gs, 0f, name + ": score " + l + "/" + head + " " + i + "→" + j);
                            assertEquals(wantW[(head * n + i) * n + j], w[(head * len + r) * keys + j], 1e-6,
                                    name + ": weight " + l + "/" + head + " " + i + "→" + j);
                        }
                    }
                }
            }
            at += len;
        }
        assertEquals(n, at);
    }

    /**
     * A half-precision cache: layer 0's scores, whose queries and keys no earlier attention has
     * touched, are the whole pass's queries against its keys rounded to halves; every later
     * number stays within the rounding of a half (2^-11 relative) carried through the layers.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("configurations")
    void halfCacheStepsReadKeysRoundedToHalves(String name, Supplier<ModelConfig> config) {
        Transformer model = (Transformer) Model.load(RandomDecoders.checkpoint(config.get(), name.hashCode()));
        ModelConfig c = model.config();
        Random random = new Random(name.hashCode() + 1);
        int n = Math.min(70, c.maxPositions()), prompt = 20, h = c.hiddenSize(), d = c.headSize();
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = random.nextInt(RandomDecoders.VOCAB);
        Output whole = model.forward(Batch.of(ids), true);
        float[] q0 = whole.trace(0).layer(0, "attention.query"), k0 = whole.trace(0).layer(0, "attention.key");
        double scale = 1 / Math.sqrt(d), largest = 0, worst = 0;
        for (float x : whole.hidden()) largest = Math.max(largest, Math.abs(x));

        KeyValueCache cache = new KeyValueCache(c, KeyValueCache.Precision.F16);
        int at = 0;
        for (int len : stepLengths(prompt, n)) {
            Output step = model.forward(java.util.Arrays.copyOfRange(ids, at, at + len), cache, true);
            float[] s = step.trace(0).layer(0, "attention.scores");
            int keys = at + len;
            for (int head = 0; head < c.heads(); head++) {
                for (int r = 0; r < len; r++) {
                    int i = at + r, first = model.attention(0).mask().firstVisible(i), end = model.attention(0).mask().endVisible(i, keys);
                    for (int j = first; j < end; j++) {
                        double want = 0;
                        for (int x = 0; x < d; x++) {
                            float k = Float.float16ToFloat(Float.floatToFloat16(k0[(c.kvHead(head) * n + j) * d + x]));
                            want += (double) q0[(head * n + i) * d + x] * k;
                        }
                        want *= scale;
                        assertEquals(want, s[(head * len + r) * keys + j], 1e-5 * (1 + Math.abs(want)),
                                name + ": layer 0 score " + head + " " + i + "→" + j);
                    }
                }
            }
            for (int r = 0; r < len; r++) {
                for (int k = 0; k < h; k++) worst = Math.max(worst, Math.abs(whole.hidden()[(at + r) * h + k] - step.hidden()[r * h + k]));
            }
            at += len;
        }
        assertEquals(0, worst, 4e-3 * largest, name + ": final vectors against one pass in float32");
    }

    @Test
    void aHalfCacheRefusesAValueBeyondAHalfsRange() {
        ModelConfig c = RandomDecoders.llama();
        KeyValueCache cache = new KeyValueCache(c, KeyValueCache.Precision.F16);
        float[] row = new float[2 * c.keyValueWidth()];
        row[c.keyValueWidth() + 1] = 70_000f;
        var e = assertThrows(NonFiniteValueException.class, () -> cache.append(0, row, 1, row.length, 0));
        assertTrue(e.getMessage().contains("beyond the range of a half"), e.getMessage());
    }

    private static int[] stepLengths(int prompt, int n) {
        int[] lengths = new int[1 + (n - prompt - 3) + 1];
        lengths[0] = prompt;
        for (int i = 1; i < lengths.length - 1; i++) lengths[i] = 1;
        lengths[lengths.length - 1] = 3;
        return lengths;
    }

    @Test
    void aCacheStopsAtTheModelsPositions() {
        Transformer model = (Transformer) Model.load(RandomDecoders.checkpoint(RandomDecoders.llama(), 1));
        KeyValueCache cache = new KeyValueCache(model.config());
        int max = model.config().maxPositions();
        model.forward(new int[max - 1], cache, false);
        model.forward(new int[1], cache, false);
        var e = assertThrows(IllegalArgumentException.class, () -> model.forward(new int[1], cache, false));
        assertEquals(max, cache.length(), "a refused token leaves the cache as it was: " + e.getMessage());
    }

    /**
     * Room made part way keeps every key and value where the layout says, in both precisions, and
     * appends within it leave the arrays in place (no copy), up to the model's positions.
     */
    @Test
    void reservingRoomKeepsTheCacheAndStopsItGrowing() {
        ModelConfig c = RandomDecoders.llama();
        int w = c.keyValueWidth(), max = c.maxPositions();
        Random random = new Random(7);
        for (KeyValueCache.Precision precision : KeyValueCache.Precision.values()) {
            KeyValueCache cache = new KeyValueCache(c, precision);
            float[] rows = new float[max * 2 * w];
            for (int i = 0; i < rows.length; i++) rows[i] = random.nextFloat() - 0.5f;
            int first = 5;
            for (int l = 0; l < c.layers(); l++) cache.append(l, rows, first, 2 * w, 0);
            cache.advance(first);
            float[] keysBefore = cache.widenKeys(0, first), valuesBefore = cache.widenValues(0, first);
            cache.reserve(max - 1);
            assertTrue(cache.capacity() >= max - 1, precision + ": room for " + (max - 1) + ", not " + cache.capacity());
            assertTrue(Arrays.equals(keysBefore, cache.widenKeys(0, first)), precision + ": keys kept");
            assertTrue(Arrays.equals(valuesBefore, cache.widenValues(0, first)), precision + ": values kept");
            Object keys = precision == KeyValueCache.Precision.F32 ? cache.keys(0) : cache.halfKeys(0);
            int capacity = cache.capacity();
            for (int l = 0; l < c.layers(); l++) cache.append(l, rows, max - 1 - first, 2 * w, first * 2 * w);
            cache.advance(max - 1 - first);
            assertEquals(capacity, cache.capacity(), precision + ": no growth within the room made");
            assertTrue(keys == (precision == KeyValueCache.Precision.F32 ? cache.keys(0) : cache.halfKeys(0)),
                    precision + ": the same arrays");
            float[] keysAfter = cache.widenKeys(0, max - 1), valuesAfter = cache.widenValues(0, max - 1);
            for (int j = 0; j < max - 1; j++) {
                for (int x = 0; x < w; x++) {
                    float key = rows[j * 2 * w + x], value = rows[j * 2 * w + w + x];
                    if (precision == KeyValueCache.Precision.F16) {
                        key = Float.float16ToFloat(Float.floatToFloat16(key));
                        value = Float.float16ToFloat(Float.floatToFloat16(value));
                    }
                    assertEquals(key, keysAfter[x * (max - 1) + j], 0f, precision + ": key " + j + "/" + x);
                    assertEquals(value, valuesAfter[j * w + x], 0f, precision + ": value " + j + "/" + x);
                }
            }
            cache.reserve(Integer.MAX_VALUE - 100);
            assertTrue(cache.capacity() <= max + 64, precision + ": never room past the model's positions, " + cache.capacity());
        }
    }

    @Test
    void anEncoderHasNoCache() {
        assertThrows(IllegalArgumentException.class, () -> new KeyValueCache(Model.embedded().config()));
    }
}
