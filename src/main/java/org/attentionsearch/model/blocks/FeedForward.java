package org.attentionsearch.model.blocks;

import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.Vectors;
import org.attentionsearch.model.Pass;

/** The position-wise feed-forward network of a transformer block. */
public sealed interface FeedForward {

    /**
     * out = residual + FFN(input), then {@code postNorm} on out in place (null for none).
     * Returns out.
     */
    float[] forward(Pass p, float[] input, float[] residual, float[] out, Norm postNorm);

    /** FFN(x) = act(x·W_1 + b_1)·W_2 + b_2, act being exact GELU (BERT) or tanh GELU (GPT-2). */
    record Mlp(Linear up, Linear down, Epilogue activation) implements FeedForward {
        public Mlp {
            if (activation != Epilogue.GELU && activation != Epilogue.GELU_TANH) {
                throw new IllegalArgumentException("an MLP's activation is GELU or GELU_TANH, not " + activation);
            }
        }

        @Override
        public float[] forward(Pass p, float[] input, float[] residual, float[] out, Norm postNorm) {
            float[] hidden = p.scratch("ffn", up.out());
            up.apply(input, p.rows(), hidden, activation, null, null);
            down.apply(hidden, p.rows(), out, Epilogue.ADD, residual, postNorm == null ? null : postNorm.inPlace(out));
            return out;
        }
    }

    /**
     * SwiGLU (Shazeer 2020): FFN(x) = (silu(x·W_gate) ⊙ x·W_up)·W_down. The gate and up
     * projections are one fused product, gate columns first; the gating runs on each finished row.
     */
    record SwiGlu(Linear gateUp, Linear down) implements FeedForward {
        public SwiGlu {
            if (gateUp.out() != 2 * down.in()) throw new IllegalArgumentException("the fused gate/up projection must be twice the down projection's input");
        }

        @Override
        public float[] forward(Pass p, float[] input, float[] residual, float[] out, Norm postNorm) {
            int f = down.in();
            float[] gu = p.scratch("ffn_gate_up", 2 * f);
            float[] hidden = p.scratch("ffn", f);
            gateUp.apply(input, p.rows(), gu, Epilogue.NONE, null, (from, to) -> {
                for (int r = from; r < to; r++) Vectors.swiGlu(gu, r * 2 * f, f, hidden, r * f);
            });
            down.apply(hidden, p.rows(), out, Epilogue.ADD, residual, postNorm == null ? null : postNorm.inPlace(out));
            return out;
        }
    }
}
