package org.attentionsearch.model;

import org.attentionsearch.math.Vectors;
import org.attentionsearch.math.WeightMatrix;

/**
 * A head's share of the attention output: its output z (or any vector in its value space)
 * times its slice of W_O. Because the heads' outputs are concatenated before W_O,
 * attention.output = Σ_h z^h · W_O[h·d … h·d+d−1, :] + b_O.
 */
public final class HeadProjection {

    private HeadProjection() {
    }

    /**
     * out[r, :] = Σ_c x[r, c] · W_O[head·d + c, :] for rows of x with d columns.
     *
     * @param wo W_O as the attention's output projection holds it, [in = heads·d][out = hidden]
     */
    public static void project(float[] x, int xOff, int rows, int d, WeightMatrix wo, int head,
                               float[] out, int outOff) {
        int h = wo.n();
        float[] slice = wo.rows(head * d, d); // head h's rows of W_O
        for (int r = 0; r < rows; r++) {
            int o = outOff + r * h;
            java.util.Arrays.fill(out, o, o + h, 0f);
            for (int c = 0; c < d; c++) {
                Vectors.axpy(x[xOff + r * d + c], slice, c * h, out, o, h);
            }
        }
    }

    /** All heads: z [heads, n, d] → [heads, n, H]. */
    static float[] all(float[] z, WeightMatrix wo, int heads, int n, int d) {
        int h = wo.n();
        float[] out = new float[heads * n * h];
        for (int head = 0; head < heads; head++) {
            project(z, head * n * d, n, d, wo, head, out, head * n * h);
        }
        return out;
    }
}
