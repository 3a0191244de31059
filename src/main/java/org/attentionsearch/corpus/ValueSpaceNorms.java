package org.attentionsearch.corpus;

import java.util.Map;
import java.util.WeakHashMap;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;
import org.attentionsearch.math.Lanes;
import org.attentionsearch.math.WeightMatrix;
import org.attentionsearch.model.Model;

/**
 * ‖x W_O^h‖ for a vector x of head h's value space (a head output z, or a value v), without the
 * product: with the Gram matrix G_h = W_O^h (W_O^h)ᵀ [d × d],
 * <pre>
 *   ‖x W_O^h‖² = x G_h xᵀ
 * </pre>
 * which costs d² multiplications instead of the product's d·H (MiniLM: 1,024 instead of 12,288).
 * G_h and the form are in double, so the norm differs from that of the float product
 * ({@link org.attentionsearch.model.HeadProjection}) only by the product's own rounding, a few
 * parts in 10⁸ (see {@code ValueSpaceNormsTest}). One per model, each layer's matrices made on
 * first use.
 */
final class ValueSpaceNorms {

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final int L = D.length();
    private static final Map<Model, ValueSpaceNorms> MODELS = new WeakHashMap<>();

    private final Model model;
    private final int heads, d;
    /** Per layer: G_h for every head, [heads][d·d] row-major; null until first asked. */
    private final double[][][] grams;

    private ValueSpaceNorms(Model model) {
        this.model = model;
        this.heads = model.config().heads();
        this.d = model.config().headSize();
        this.grams = new double[model.config().layers()][][];
    }

    /** The norms of {@code model}'s heads, made once per model. */
    static ValueSpaceNorms of(Model model) {
        synchronized (MODELS) {
            return MODELS.computeIfAbsent(model, ValueSpaceNorms::new);
        }
    }

    /** G_h = W_O^h (W_O^h)ᵀ of every head of {@code layer}. */
    synchronized double[][] grams(int layer) {
        if (grams[layer] == null) {
            WeightMatrix wo = model.attention(layer).outputWeight();
            int h = wo.n();
            double[][] out = new double[heads][d * d];
            for (int head = 0; head < heads; head++) {
                float[] w = wo.rows(head * d, d); // head's rows of W_O, [d × H]
                for (int a = 0; a < d; a++) {
                    for (int b = a; b < d; b++) {
                        double s = 0;
                        for (int x = 0; x < h; x++) s += (double) w[a * h + x] * w[b * h + x];
                        out[head][a * d + b] = s;
                        out[head][b * d + a] = s;
                    }
                }
            }
            grams[layer] = out;
        }
        return grams[layer];
    }

    /**
     * ‖x_r W_O^h‖ for {@code rows} vectors of width d, x_r at x[off + r·d], into out[outOff + r];
     * {@code gram} is G_h ({@link #grams}). u = G x as d rows of G added up, a vector of u at a
     * time, then x·u: its products in a vector of partial sums, added up by {@link Lanes}.
     */
    static void norms(double[] gram, int d, float[] x, int off, int rows, double[] out, int outOff) {
        double[] xd = new double[d], lanes = new double[L];
        for (int r = 0; r < rows; r++) {
            for (int a = 0; a < d; a++) xd[a] = x[off + r * d + a];
            DoubleVector xu = DoubleVector.zero(D);
            int b = 0;
            // Four column blocks at once: four independent chains of FMAs instead of one (the same sums, in the same order).
            for (; b <= d - 4 * L; b += 4 * L) {
                DoubleVector u0 = DoubleVector.zero(D), u1 = u0, u2 = u0, u3 = u0;
                for (int a = 0; a < d; a++) {
                    DoubleVector xa = DoubleVector.broadcast(D, xd[a]);
                    int row = a * d + b;
                    u0 = DoubleVector.fromArray(D, gram, row).fma(xa, u0);
                    u1 = DoubleVector.fromArray(D, gram, row + L).fma(xa, u1);
                    u2 = DoubleVector.fromArray(D, gram, row + 2 * L).fma(xa, u2);
                    u3 = DoubleVector.fromArray(D, gram, row + 3 * L).fma(xa, u3);
                }
                xu = u0.fma(DoubleVector.fromArray(D, xd, b), xu);
                xu = u1.fma(DoubleVector.fromArray(D, xd, b + L), xu);
                xu = u2.fma(DoubleVector.fromArray(D, xd, b + 2 * L), xu);
                xu = u3.fma(DoubleVector.fromArray(D, xd, b + 3 * L), xu);
            }
            for (; b <= d - L; b += L) {
                DoubleVector u = DoubleVector.zero(D);
                for (int a = 0; a < d; a++) u = DoubleVector.fromArray(D, gram, a * d + b).fma(DoubleVector.broadcast(D, xd[a]), u);
                xu = u.fma(DoubleVector.fromArray(D, xd, b), xu);
            }
            xu.intoArray(lanes, 0);
            double s = Lanes.sum(lanes, 0, L);
            for (; b < d; b++) {
                double u = 0;
                for (int a = 0; a < d; a++) u += xd[a] * gram[a * d + b];
                s += xd[b] * u;
            }
            out[outOff + r] = Math.sqrt(Math.max(0, s));
        }
    }
}
