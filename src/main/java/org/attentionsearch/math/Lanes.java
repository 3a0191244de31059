package org.attentionsearch.math;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a vector's lanes in one fixed order, the L lanes written out at lanes[off …]:
 * <pre>
 *   v_i ← v_i + v_(i xor s)   for s = L/2, L/4, … 1;   Σ = v_0
 * </pre>
 * a balanced tree, (v0+v8)+(v4+v12)+… for 16 lanes. Not {@code reduceLanes(ADD)}: its order is
 * unspecified, and the interpreter and C2 add in different orders, so a kernel gave other bits
 * once it was compiled (the first tokens of a fresh process, and a corpus's statistics, changed
 * in the last bit with the moment the JIT finished). Every step here is an exact IEEE addition
 * wherever it runs, so the sums are the same interpreted and compiled.
 *
 * <p>The kernels write their accumulators out ({@code intoArray}) rather than pass them here: a
 * call C2 does not inline boxes every vector it takes. Twins: {@link #plainSum} for floats; the
 * double sums are plain already.
 */
public final class Lanes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Floats in a vector of the preferred species. */
    public static final int L = F.length();
    // Step t (s = L/2, L/4, L/8, L/16): lane i ← lane i xor s; and the lanes whose bit s is set.
    private static final VectorShuffle<Float> X1 = xor(L / 2), X2 = xor(L / 4), X3 = xor(L / 8), X4 = xor(L / 16);
    private static final VectorMask<Float> M1 = bit(L / 2), M2 = bit(L / 4);

    static {
        if (L != 4 && L != 8 && L != 16) throw new ExceptionInInitializerError("float vectors of " + L + " lanes");
    }

    private Lanes() {
    }

    private static VectorShuffle<Float> xor(int s) {
        return VectorShuffle.fromOp(F, i -> i ^ Math.max(s, 1));
    }

    private static VectorMask<Float> bit(int s) {
        boolean[] set = new boolean[L];
        for (int i = 0; i < L; i++) set[i] = (i & s) != 0;
        return VectorMask.fromArray(F, set, 0);
    }

    /** Σ of the vector written out at lanes[off …], in the order above. */
    public static float sum(float[] lanes, int off) {
        FloatVector v = FloatVector.fromArray(F, lanes, off);
        v = v.add(v.rearrange(X1));
        v = v.add(v.rearrange(X2));
        if (L >= 8) v = v.add(v.rearrange(X3));
        if (L >= 16) v = v.add(v.rearrange(X4));
        return v.lane(0);
    }

    /**
     * The sums of four vectors written out one after another at lanes[off …] into out[o … o+3],
     * each equal to the bit to {@link #sum} of its vector, in about half the operations of four
     * sums: in the first two steps two vectors share one, the first's partial sums in the lanes
     * whose bit s is clear and the second's where it is set.
     */
    public static void sum4(float[] lanes, int off, float[] out, int o) {
        FloatVector v0 = FloatVector.fromArray(F, lanes, off), v1 = FloatVector.fromArray(F, lanes, off + L);
        FloatVector v2 = FloatVector.fromArray(F, lanes, off + 2 * L), v3 = FloatVector.fromArray(F, lanes, off + 3 * L);
        FloatVector a0 = v0.blend(v1, M1).add(v1.blend(v0, M1).rearrange(X1)); // v0 | v1
        FloatVector a1 = v2.blend(v3, M1).add(v3.blend(v2, M1).rearrange(X1)); // v2 | v3
        FloatVector r = a0.blend(a1, M2).add(a1.blend(a0, M2).rearrange(X2));  // v0 | v2 | v1 | v3
        if (L >= 8) r = r.add(r.rearrange(X3));
        if (L >= 16) r = r.add(r.rearrange(X4));
        out[o] = r.lane(0);
        out[o + 1] = r.lane(L / 2);
        out[o + 2] = r.lane(L / 4);
        out[o + 3] = r.lane(L / 2 + L / 4);
    }

    /** The plain twin of {@link #sum}: the same tree, a lane at a time. Adds in place, so the lanes are left changed. */
    public static float plainSum(float[] lanes, int off) {
        for (int s = L / 2; s >= 1; s /= 2) {
            for (int i = off; i < off + s; i++) lanes[i] += lanes[i + s]; // lane 0 reads only lanes below 2s
        }
        return lanes[off];
    }

    /** Σ of the count lanes (a power of two) at lanes[off …] in the order above, in place as {@link #plainSum}. */
    public static double sum(double[] lanes, int off, int count) {
        for (int s = count / 2; s >= 1; s /= 2) {
            for (int i = off; i < off + s; i++) lanes[i] += lanes[i + s];
        }
        return lanes[off];
    }
}
