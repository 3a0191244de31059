package org.attentionsearch.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;

import org.attentionsearch.testing.OrtReference;
import org.attentionsearch.testing.TestModels;
import org.attentionsearch.text.BertTokenizer;
import org.attentionsearch.text.Encoding;
import org.attentionsearch.weights.OnnxAttentionOutputs;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Our encoder against ONNX Runtime on the same ONNX files: last hidden states within 1e-4 on
 * 200 varied inputs (1 to 512 tokens, mixed-length batches so padding is exercised, single
 * texts and pairs), and every layer's and head's attention weights within 1e-5.
 */
class EncoderOracleTest {

    private static final String[] WORDS = ("the bank raised rates after river flooded I went to deposit money then sat on "
            + "a cat dog ran quickly über naïve café 東京 😀 2024 3.14 ! ? , ; — unbelievable tokenization "
            + "attention search query key value page link blue embedding layer head Paris London").split(" ");

    @ParameterizedTest
    @EnumSource(TestModels.class)
    void lastHiddenStatesMatchOnnxRuntime(TestModels model) throws Exception {
        Model bert = model.model();
        Random random = new Random(7);
        List<Encoding> inputs = varied(bert, random, 200);
        int h = bert.config().hiddenSize();
        double worst = 0;
        try (OrtReference ort = new OrtReference(model.onnxBytes())) {
            String out = ort.outputNames().getFirst();
            for (List<Encoding> batch : batches(inputs, random)) {
                Output ours = bert.forward(batch, false);
                List<int[]> ids = new ArrayList<>(), types = new ArrayList<>();
                for (Encoding e : batch) {
                    ids.add(e.ids());
                    types.add(e.typeIds());
                }
                float[] ref = ort.run(ids, types, List.of(out)).get(out);
                int padded = ref.length / (batch.size() * h);
                for (int b = 0; b < batch.size(); b++) {
                    float[] mine = ours.hidden(b);
                    for (int i = 0; i < batch.get(b).length(); i++) {
                        for (int x = 0; x < h; x++) {
                            double diff = Math.abs(mine[i * h + x] - ref[(b * padded + i) * h + x]);
                            worst = Math.max(worst, diff);
                        }
                    }
                }
            }
        }
        assertTrue(worst <= 1e-4, model + ": max |diff| of last hidden states is " + worst);
    }

    @ParameterizedTest
    @EnumSource(TestModels.class)
    void attentionWeightsMatchOnnxRuntimeSoftmaxOutputs(TestModels model) throws Exception {
        Model bert = model.model();
        ModelConfig c = bert.config();
        var rewritten = OnnxAttentionOutputs.of(model.onnxBytes());
        List<String> names = rewritten.outputs();
        assertEquals(c.layers(), names.size());
        Random random = new Random(11);
        List<Encoding> inputs = varied(bert, random, 12);
        double worst = 0;   // the largest |diff| as a multiple of its row's tolerance
        int coarseRows = 0;
        try (OrtReference ort = new OrtReference(rewritten.model())) {
            for (int from = 0; from < inputs.size(); from += 4) {
                List<Encoding> batch = inputs.subList(from, from + 4);
                Output ours = bert.forward(batch, true);
                List<int[]> ids = new ArrayList<>(), types = new ArrayList<>();
                int padded = 0;
                for (Encoding e : batch) {
                    ids.add(e.ids());
                    types.add(e.typeIds());
                    padded = Math.max(padded, e.length());
                }
                Map<String, float[]> ref = ort.run(ids, types, names);
                for (int l = 0; l < c.layers(); l++) {
                    float[] theirs = ref.get(names.get(l));
                    for (int b = 0; b < batch.size(); b++) {
                        int n = batch.get(b).length();
                        float[] mine = ours.trace(b).layer(l, "attention.weights");
                        float[] scores = ours.trace(b).layer(l, "attention.scores");
                        for (int head = 0; head < c.heads(); head++) {
                            for (int i = 0; i < n; i++) {
                                double tolerance = tolerance(scores, (head * n + i) * n, n);
                                if (tolerance > 2e-5) coarseRows++;
                                for (int j = 0; j < padded; j++) {
                                    double t = theirs[((b * c.heads() + head) * padded + i) * padded + j];
                                    double m = j < n ? mine[(head * n + i) * n + j] : 0;
                                    worst = Math.max(worst, Math.abs(t - m) / tolerance);
                                }
                            }
                        }
                    }
                }
            }
        }
        assertTrue(worst <= 1, model + ": attention weights differ by " + worst + " times the tolerance ("
                + coarseRows + " rows with scores beyond ±32)");
    }

    /**
     * 1e-5, plus what float32 cannot resolve in rows with large scores: α_j depends on differences of scores, and near |s| = 140 one unit in the last
     * place of a float is already 1.5e-5 (bge-small's last layer has such rows). There any
     * float32 implementation, ONNX Runtime's included, is only as exact as a few ulps of the
     * score, and a weight moves by at most ½·Δs for a score error Δs. Below |s| = 8 the
     * allowance is under 4e-6.
     */
    static double tolerance(float[] scores, int from, int n) {
        float max = 0;
        for (int j = from; j < from + n; j++) max = Math.max(max, Math.abs(scores[j]));
        return 1e-5 + 0.5 * 8 * Math.ulp(max);
    }

    /** Texts, pairs and random word pieces; lengths from 1 to 512 tokens, skewed short. */
    static List<Encoding> varied(Model bert, Random random, int count) {
        List<Encoding> out = new ArrayList<>();
        int[] fixedLengths = {1, 2, 3, 512, 511, 17, 128, 300};
        for (int k = 0; k < count; k++) {
            int kind = k % 4;
            if (k < fixedLengths.length) {
                out.add(randomIds(bert, random, fixedLengths[k]));
            } else if (kind == 0) {
                out.add(bert.tokenizer().encode(sentence(random, 1 + random.nextInt(40))));
            } else if (kind == 1) {
                out.add(((BertTokenizer) bert.tokenizer()).encodePair(sentence(random, 1 + random.nextInt(20)),
                        sentence(random, 1 + random.nextInt(20))));
            } else {
                int len = random.nextInt(10) == 0 ? 200 + random.nextInt(313) : 1 + random.nextInt(random.nextBoolean() ? 16 : 130);
                out.add(randomIds(bert, random, len));
            }
        }
        return out;
    }

    private static Encoding randomIds(Model bert, Random random, int length) {
        int[] ids = new int[length];
        for (int i = 0; i < length; i++) ids[i] = 999 + random.nextInt(bert.config().vocabSize() - 999);
        ids[0] = ((BertTokenizer) bert.tokenizer()).clsId();
        if (length > 1) ids[length - 1] = ((BertTokenizer) bert.tokenizer()).sepId();
        int[] types = new int[length], none = new int[length];
        String[] tokens = new String[length];
        for (int i = 0; i < length; i++) {
            tokens[i] = bert.tokenizer().token(ids[i]);
            none[i] = -1;
        }
        return new Encoding(ids, types, tokens, none, none.clone());
    }

    private static String sentence(Random random, int words) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < words; i++) s.append(i == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
        return s.toString();
    }

    /** Shuffled batches of 1 to 8 sequences, so short and long texts share a padded batch. */
    static List<List<Encoding>> batches(List<Encoding> inputs, Random random) {
        List<Encoding> shuffled = new ArrayList<>(inputs);
        Collections.shuffle(shuffled, random);
        List<List<Encoding>> out = new ArrayList<>();
        for (int i = 0; i < shuffled.size(); ) {
            int size = Math.min(shuffled.size() - i, 1 + random.nextInt(8));
            out.add(shuffled.subList(i, i + size));
            i += size;
        }
        return out;
    }
}
