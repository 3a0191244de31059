package org.attentionsearch.testing;

import java.util.Arrays;

import org.attentionsearch.model.ModelConfig;
import org.attentionsearch.model.Rope;
import org.attentionsearch.weights.Checkpoint;

/**
 * A decoder's forward pass written again, plainly, in double precision, straight from the
 * Hugging Face definitions (modeling_gpt2.py, modeling_llama.py, modeling_qwen2/3.py) and the
 * checkpoint's tensors: nothing of the engine's code is used, so agreeing with it means something.
 */
public final class ReferenceDecoder {

    /** Logits [n][vocab], attention [layer][head][i][j], the final norm's output [n][hidden]. */
    public record Result(double[][] logits, double[][][][] attention, double[][] finalNorm) {
    }

    private final Checkpoint w;
    private final ModelConfig c;
    private final boolean ggmlGelu;

    private ReferenceDecoder(Checkpoint w, boolean ggmlGelu) {
        this.w = w;
        this.c = w.config();
        this.ggmlGelu = ggmlGelu;
    }

    public static Result run(Checkpoint checkpoint, int[] ids) {
        return new ReferenceDecoder(checkpoint, false).forward(ids);
    }

    /**
     * As {@link #run}, but with GPT-2's GELU computed the way llama.cpp's CPU backend does: the
     * input rounded to fp16, looked up in a table of fp16 results of the float tanh formula, and
     * x itself or 0 beyond ±10 — to show that this table is all that tells llama.cpp from us.
     */
    public static Result runWithGgmlGelu(Checkpoint checkpoint, int[] ids) {
        return new ReferenceDecoder(checkpoint, true).forward(ids);
    }

    private final java.util.Map<String, double[]> converted = new java.util.HashMap<>();

    private double[] t(String name) {
        return converted.computeIfAbsent(name, n -> {
            float[] f = w.tensor(n).data();
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            return d;
        });
    }

    private double[] optional(String name) {
        return w.tensors().containsKey(name) ? t(name) : null;
    }

    private Result forward(int[] ids) {
        boolean gpt2 = c.family() == ModelConfig.Family.GPT2;
        int n = ids.length, h = c.hiddenSize();
        double[] embed = t(gpt2 ? "wte.weight" : "model.embed_tokens.weight");
        double[][] x = new double[n][h];
        double[] wpe = gpt2 ? t("wpe.weight") : null;
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < h; k++) x[i][k] = embed[ids[i] * h + k] + (gpt2 ? wpe[i * h + k] : 0);
        }
        double[][][][] attention = new double[c.layers()][][][];
        for (int l = 0; l < c.layers(); l++) {
            String p = gpt2 ? "h." + l + "." : "model.layers." + l + ".";
            double[][] normed = gpt2 ? layerNorm(x, t(p + "ln_1.weight"), t(p + "ln_1.bias")) : rmsNorm(x, t(p + "input_layernorm.weight"));
            double[][] attn = new double[n][];
            attention[l] = attend(p, normed, attn);
            for (int i = 0; i < n; i++) for (int k = 0; k < h; k++) x[i][k] += attn[i][k];
            normed = gpt2 ? layerNorm(x, t(p + "ln_2.weight"), t(p + "ln_2.bias")) : rmsNorm(x, t(p + "post_attention_layernorm.weight"));
            for (int i = 0; i < n; i++) {
                double[] f = gpt2 ? gpt2Mlp(p, normed[i]) : swiGlu(p, normed[i]);
                for (int k = 0; k < h; k++) x[i][k] += f[k];
            }
        }
        double[][] out = gpt2 ? layerNorm(x, t("ln_f.weight"), t("ln_f.bias")) : rmsNorm(x, t("model.norm.weight"));
        double[] unembed = c.tiedEmbeddings() ? embed : t("lm_head.weight");
        double[][] logits = new double[n][c.vocabSize()];
        for (int i = 0; i < n; i++) {
            for (int v = 0; v < c.vocabSize(); v++) {
                double s = 0;
                for (int k = 0; k < h; k++) s += out[i][k] * unembed[v * h + k];
                logits[i][v] = s;
            }
        }
        return new Result(logits, attention, out);
    }

    /** Causal multi-head attention; fills out[i] with the sublayer's output, returns α [head][i][j]. */
    private double[][][] attend(String p, double[][] x, double[][] out) {
        boolean gpt2 = c.family() == ModelConfig.Family.GPT2;
        int n = x.length, h = c.hiddenSize(), d = c.headSize(), heads = c.heads(), kvHeads = c.kvHeads();
        double[][] q = new double[n][], k = new double[n][], v = new double[n][];
        for (int i = 0; i < n; i++) {
            if (gpt2) {
                double[] qkv = conv1d(x[i], t(p + "attn.c_attn.weight"), t(p + "attn.c_attn.bias"), 3 * h);
                q[i] = Arrays.copyOfRange(qkv, 0, h);
                k[i] = Arrays.copyOfRange(qkv, h, 2 * h);
                v[i] = Arrays.copyOfRange(qkv, 2 * h, 3 * h);
            } else {
                String a = p + "self_attn.";
                q[i] = linear(x[i], t(a + "q_proj.weight"), optional(a + "q_proj.bias"), heads * d);
                k[i] = linear(x[i], t(a + "k_proj.weight"), optional(a + "k_proj.bias"), kvHeads * d);
                v[i] = linear(x[i], t(a + "v_proj.weight"), optional(a + "v_proj.bias"), kvHeads * d);
                if (c.queryKeyNorm()) {
                    headNorm(q[i], heads, d, t(a + "q_norm.weight"));
                    headNorm(k[i], kvHeads, d, t(a + "k_norm.weight"));
                }
                rotate(q[i], heads, d, i);
                rotate(k[i], kvHeads, d, i);
            }
        }
        double[][][] alpha = new double[heads][n][n];
        double[][] z = new double[n][heads * d];
        for (int head = 0; head < heads; head++) {
            int g = head / (heads / kvHeads); // repeat_kv
            for (int i = 0; i < n; i++) {
                int first = c.slidingWindow() > 0 ? Math.max(0, i - c.slidingWindow() + 1) : 0;
                double max = Double.NEGATIVE_INFINITY;
                double[] s = new double[n];
                for (int j = first; j <= i; j++) {
                    double dot = 0;
                    for (int e = 0; e < d; e++) dot += q[i][head * d + e] * k[j][g * d + e];
                    s[j] = dot / Math.sqrt(d);
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = first; j <= i; j++) sum += Math.exp(s[j] - max);
                for (int j = first; j <= i; j++) {
                    alpha[head][i][j] = Math.exp(s[j] - max) / sum;
                    for (int e = 0; e < d; e++) z[i][head * d + e] += alpha[head][i][j] * v[j][g * d + e];
                }
            }
        }
        for (int i = 0; i < n; i++) {
            out[i] = gpt2 ? conv1d(z[i], t(p + "attn.c_proj.weight"), t(p + "attn.c_proj.bias"), h)
                    : linear(z[i], t(p + "self_attn.o_proj.weight"), optional(p + "self_attn.o_proj.bias"), h);
        }
        return alpha;
    }

    /** rotate_half: pair (e, e + d/2) turned by pos·ω_e. */
    private void rotate(double[] x, int heads, int d, int pos) {
        Rope rope = c.rope();
        double[] omega = rope.frequencies();
        int half = rope.dimensions() / 2;
        for (int head = 0; head < heads; head++) {
            for (int e = 0; e < half; e++) {
                double a = x[head * d + e], b = x[head * d + e + half];
                double cos = Math.cos(pos * omega[e]), sin = Math.sin(pos * omega[e]);
                x[head * d + e] = a * cos - b * sin;
                x[head * d + e + half] = b * cos + a * sin;
            }
        }
    }

    private double[] gpt2Mlp(String p, double[] x) {
        double[] up = conv1d(x, t(p + "mlp.c_fc.weight"), t(p + "mlp.c_fc.bias"), c.intermediateSize());
        for (int i = 0; i < up.length; i++) {
            double u = up[i];
            if (ggmlGelu) {
                float f = (float) u;
                up[i] = f <= -10 ? 0 : f >= 10 ? f : Float.float16ToFloat(Float.floatToFloat16(ggmlGeluTanh(
                        Float.float16ToFloat(Float.floatToFloat16(f)))));
                continue;
            }
            up[i] = c.activation() == ModelConfig.Activation.GELU_TANH
                    ? 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u)))
                    : u * 0.5 * (1 + erf(u / Math.sqrt(2)));
        }
        return conv1d(up, t(p + "mlp.c_proj.weight"), t(p + "mlp.c_proj.bias"), c.hiddenSize());
    }

    /** ggml_gelu_f32: the tanh formula in float. */
    private static float ggmlGeluTanh(float x) {
        return 0.5f * x * (1.0f + (float) Math.tanh(0.7978845608028654f * x * (1.0f + 0.044715f * x * x)));
    }

    private double[] swiGlu(String p, double[] x) {
        int f = c.intermediateSize();
        double[] gate = linear(x, t(p + "mlp.gate_proj.weight"), null, f);
        double[] up = linear(x, t(p + "mlp.up_proj.weight"), null, f);
        for (int i = 0; i < f; i++) gate[i] = gate[i] / (1 + Math.exp(-gate[i])) * up[i];
        return linear(gate, t(p + "mlp.down_proj.weight"), null, c.hiddenSize());
    }

    /** PyTorch Linear: y = x·Wᵀ + b with W [out, in]. */
    private static double[] linear(double[] x, double[] weight, double[] bias, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = bias == null ? 0 : bias[o];
            for (int i = 0; i < x.length; i++) s += x[i] * weight[o * x.length + i];
            y[o] = s;
        }
        return y;
    }

    /** GPT-2's Conv1D: y = x·W + b with W [in, out]. */
    private static double[] conv1d(double[] x, double[] weight, double[] bias, int out) {
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = bias[o];
            for (int i = 0; i < x.length; i++) s += x[i] * weight[i * out + o];
            y[o] = s;
        }
        return y;
    }

    private double[][] layerNorm(double[][] x, double[] gamma, double[] beta) {
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            double mean = Arrays.stream(x[i]).average().orElse(0), var = 0;
            for (double v : x[i]) var += (v - mean) * (v - mean);
            var /= x[i].length;
            y[i] = new double[x[i].length];
            for (int k = 0; k < x[i].length; k++) y[i][k] = (x[i][k] - mean) / Math.sqrt(var + c.normEps()) * gamma[k] + beta[k];
        }
        return y;
    }

    private double[][] rmsNorm(double[][] x, double[] gamma) {
        double[][] y = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            y[i] = x[i].clone();
            headNorm(y[i], 1, y[i].length, gamma);
        }
        return y;
    }

    /** RMSNorm of each of {@code heads} slices of width d, in place. */
    private void headNorm(double[] x, int heads, int d, double[] gamma) {
        for (int head = 0; head < heads; head++) {
            double ms = 0;
            for (int e = 0; e < d; e++) ms += x[head * d + e] * x[head * d + e];
            double inv = 1 / Math.sqrt(ms / d + c.normEps());
            for (int e = 0; e < d; e++) x[head * d + e] = x[head * d + e] * inv * gamma[e];
        }
    }

    /** erf by its Taylor series (|z| small here) or 1 − erfc's continued fraction. */
    private static double erf(double z) {
        if (Math.abs(z) > 3) return Math.signum(z) * (1 - Math.exp(-z * z) / (Math.abs(z) * Math.sqrt(Math.PI)));
        double term = z, sum = z;
        for (int k = 1; k < 100; k++) {
            term *= -z * z / k;
            sum += term / (2 * k + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }
}
