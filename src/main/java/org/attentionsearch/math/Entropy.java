package org.attentionsearch.math;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The entropy of a row of non-negative weights, renormalised in double:
 * <pre>
 *   H = ln S − Σ a ln a / S,   S = Σ a   (over the positive entries; 0 when there are none)
 * </pre>
 * The floats are widened to doubles a vector at a time and the logarithms taken on vectors
 * (the Vector API's log, within an ulp like {@link Math#log}); the sums are those of
 * {@link #scalar} in another order, so the two agree to a few ulps of a double.
 */
public final class Entropy {

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats of half D's width, which widen to one D vector. */
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final int L = D.length();

    private Entropy() {
    }

    /** H of a[from … from+n−1], in nats. */
    public static double nats(float[] a, int from, int n) {
        DoubleVector zero = DoubleVector.zero(D), one = DoubleVector.broadcast(D, 1);
        DoubleVector sums = zero, logs = zero;
        int j = 0;
        for (; j <= n - L; j += L) {
            DoubleVector x = (DoubleVector) FloatVector.fromArray(F, a, from + j).convertShape(VectorOperators.F2D, D, 0);
            VectorMask<Double> positive = x.compare(VectorOperators.GT, 0);
            DoubleVector p = zero.blend(x, positive); // NaN and non-positive entries count as 0, whose a ln a is 0
            sums = sums.add(p);
            logs = p.fma(one.blend(x, positive).lanewise(VectorOperators.LOG), logs);
        }
        double sum = sums.reduceLanes(VectorOperators.ADD), log = logs.reduceLanes(VectorOperators.ADD);
        for (; j < n; j++) {
            double x = a[from + j];
            if (x > 0) {
                sum += x;
                log += x * Math.log(x);
            }
        }
        return sum > 0 ? Math.log(sum) - log / sum : 0;
    }

    /** {@link #nats} one entry at a time, in order. */
    public static double scalar(float[] a, int from, int n) {
        double sum = 0, log = 0;
        for (int j = from; j < from + n; j++) {
            double x = a[j];
            if (x > 0) {
                sum += x;
                log += x * Math.log(x);
            }
        }
        return sum > 0 ? Math.log(sum) - log / sum : 0;
    }
}
