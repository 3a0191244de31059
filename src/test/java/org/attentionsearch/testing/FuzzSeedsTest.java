package org.attentionsearch.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.attentionsearch.model.Model;
import org.attentionsearch.weights.GgmlType;
import org.attentionsearch.weights.GgufValueType;
import org.attentionsearch.weights.ModelLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Writes the GGUF seeds of the committed fuzzing corpus: tiny but complete Llama and GPT-2
 * models with a sentencepiece vocabulary of a few tokens, as {@link GgufWriter} writes them, in
 * F32, F16 and Q8_0. Run with {@code -Dfuzz.writeSeeds=true} to regenerate them.
 */
@EnabledIfSystemProperty(named = "fuzz.writeSeeds", matches = "true")
class FuzzSeedsTest {

    private static final Path GGUF_SEEDS = Path.of("src/test/resources/org/attentionsearch/weights/WeightFilesFuzzTestInputs/gguf");
    private static final List<String> TOKENS = List.of("<unk>", "<s>", "</s>", "▁", "h", "e", "l", "o", "▁hello", "he", "ll", "lo");
    private static final int H = 32, FF = 64, VOCAB = TOKENS.size(), CONTEXT = 64;

    @Test
    void writeGgufSeeds() throws Exception {
        Files.createDirectories(GGUF_SEEDS);
        for (GgmlType type : new GgmlType[] {GgmlType.F32, GgmlType.F16, GgmlType.Q8_0}) {
            Path llama = GGUF_SEEDS.resolve("tiny-llama-" + type.ggmlName());
            llama(type).write(llama);
            assertEquals(1, Model.load(ModelLoader.load(llama)).embed(List.of("hello")).size());
        }
        Path gpt2 = GGUF_SEEDS.resolve("tiny-gpt2-f32");
        gpt2().write(gpt2);
        assertEquals(1, Model.load(ModelLoader.load(gpt2)).embed(List.of("hello")).size());
    }

    private static GgufWriter vocabulary(GgufWriter w) {
        float[] scores = new float[VOCAB];
        int[] types = new int[VOCAB];
        for (int i = 0; i < VOCAB; i++) {
            scores[i] = -i;
            types[i] = i == 0 ? 2 : i < 3 ? 3 : 1;
        }
        return w.putString("tokenizer.ggml.model", "llama")
                .put("tokenizer.ggml.tokens", GgufWriter.Value.strings(TOKENS))
                .put("tokenizer.ggml.scores", GgufWriter.Value.float32s(scores))
                .put("tokenizer.ggml.token_type", GgufWriter.Value.int32s(types))
                .putUint32("tokenizer.ggml.bos_token_id", 1).putUint32("tokenizer.ggml.eos_token_id", 2)
                .putUint32("tokenizer.ggml.unknown_token_id", 0);
    }

    private static GgufWriter llama(GgmlType type) {
        Random r = new Random(7);
        GgufWriter w = vocabulary(new GgufWriter().putString("general.architecture", "llama")
                .putUint32("llama.embedding_length", H).putUint32("llama.attention.head_count", 2)
                .putUint32("llama.attention.head_count_kv", 1).putUint32("llama.block_count", 1)
                .putUint32("llama.feed_forward_length", FF).putUint32("llama.context_length", CONTEXT)
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f).putFloat32("llama.rope.freq_base", 10000f));
        w.tensor("token_embd.weight", type, new long[] {H, VOCAB}, random(r, H * VOCAB));
        w.tensor("output_norm.weight", GgmlType.F32, new long[] {H}, ones(H));
        w.tensor("blk.0.attn_norm.weight", GgmlType.F32, new long[] {H}, ones(H));
        w.tensor("blk.0.attn_q.weight", type, new long[] {H, H}, random(r, H * H));
        w.tensor("blk.0.attn_k.weight", type, new long[] {H, H / 2}, random(r, H * H / 2));
        w.tensor("blk.0.attn_v.weight", type, new long[] {H, H / 2}, random(r, H * H / 2));
        w.tensor("blk.0.attn_output.weight", type, new long[] {H, H}, random(r, H * H));
        w.tensor("blk.0.ffn_norm.weight", GgmlType.F32, new long[] {H}, ones(H));
        w.tensor("blk.0.ffn_gate.weight", type, new long[] {H, FF}, random(r, H * FF));
        w.tensor("blk.0.ffn_up.weight", type, new long[] {H, FF}, random(r, H * FF));
        w.tensor("blk.0.ffn_down.weight", type, new long[] {FF, H}, random(r, H * FF));
        return w;
    }

    private static GgufWriter gpt2() {
        Random r = new Random(8);
        GgufWriter w = vocabulary(new GgufWriter().putString("general.architecture", "gpt2")
                .putUint32("gpt2.embedding_length", H).putUint32("gpt2.attention.head_count", 2).putUint32("gpt2.block_count", 1)
                .putUint32("gpt2.feed_forward_length", FF).putUint32("gpt2.context_length", CONTEXT)
                .putFloat32("gpt2.attention.layer_norm_epsilon", 1e-5f));
        w.tensor("token_embd.weight", GgmlType.F32, new long[] {H, VOCAB}, random(r, H * VOCAB));
        w.tensor("position_embd.weight", GgmlType.F32, new long[] {H, CONTEXT}, random(r, H * CONTEXT));
        w.tensor("output_norm.weight", GgmlType.F32, new long[] {H}, ones(H));
        w.tensor("output_norm.bias", GgmlType.F32, new long[] {H}, new float[H]);
        for (String norm : new String[] {"attn_norm", "ffn_norm"}) {
            w.tensor("blk.0." + norm + ".weight", GgmlType.F32, new long[] {H}, ones(H));
            w.tensor("blk.0." + norm + ".bias", GgmlType.F32, new long[] {H}, new float[H]);
        }
        w.tensor("blk.0.attn_qkv.weight", GgmlType.F32, new long[] {H, 3 * H}, random(r, 3 * H * H));
        w.tensor("blk.0.attn_qkv.bias", GgmlType.F32, new long[] {3 * H}, new float[3 * H]);
        w.tensor("blk.0.attn_output.weight", GgmlType.F32, new long[] {H, H}, random(r, H * H));
        w.tensor("blk.0.attn_output.bias", GgmlType.F32, new long[] {H}, new float[H]);
        w.tensor("blk.0.ffn_up.weight", GgmlType.F32, new long[] {H, FF}, random(r, H * FF));
        w.tensor("blk.0.ffn_up.bias", GgmlType.F32, new long[] {FF}, new float[FF]);
        w.tensor("blk.0.ffn_down.weight", GgmlType.F32, new long[] {FF, H}, random(r, H * FF));
        w.tensor("blk.0.ffn_down.bias", GgmlType.F32, new long[] {H}, new float[H]);
        return w;
    }

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (0.1 * r.nextGaussian());
        return v;
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }
}
