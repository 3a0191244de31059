package org.attentionsearch.math;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The entropy of a row of non-negative weights, renormalised in double:
 * <pre>
 *   H = ln S − Σ a ln a / S,   S = Σ a   (over the positive entries; 0 when there are none)
 * </pre>
 * The floats are widened to doubles a vector at a time, and the logarithms taken on vectors by
 * {@link #log}'s steps, written out in the loop; the sums are those of {@link #scalar} in
 * another order, so the two agree to a few ulps of a double. Not the Vector API's own log:
 * compiled, it calls a native library that rounds otherwise than the plain Java it runs
 * before, so a row's entropy changed once the loop was compiled. Every step here is an exact
 * IEEE operation, the same wherever it runs.
 */
public final class Entropy {

    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    /** Floats of half D's width, which widen to one D vector. */
    private static final VectorSpecies<Float> F = VectorSpecies.of(float.class, VectorShape.forBitSize(D.vectorBitSize() / 2));
    private static final int L = D.length();

    /** ln 2 in two parts: k·LN2_HI is exact for |k| < 2^11, LN2_LO the rest of ln 2. */
    static final double LN2_HI = Double.longBitsToDouble(Double.doubleToRawLongBits(Math.log(2)) & 0xFFFF_FFFF_FFE0_0000L);
    static final double LN2_LO = new java.math.BigDecimal("0.693147180559945309417232121458176568075500134360255254120680")
            .subtract(new java.math.BigDecimal(LN2_HI)).doubleValue();
    /** The bits of the double nearest √½: subtracted from x's bits, they leave k in the exponent field, with x / 2^k in [√½, √2). */
    static final long SQRT_HALF_BITS = 0x3FE6A09E667F3BCDL;
    /** 1/(2j+1) for j = 10 … 1: ln m = 2s·Σ_j s^2j/(2j+1) with s = (m − 1)/(m + 1), |s| ≤ 0.1716, so s^22/23 is below an ulp. */
    private static final double C10 = 1.0 / 21, C9 = 1.0 / 19, C8 = 1.0 / 17, C7 = 1.0 / 15, C6 = 1.0 / 13, C5 = 1.0 / 11,
            C4 = 1.0 / 9, C3 = 1.0 / 7, C2 = 1.0 / 5, C1 = 1.0 / 3;

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
            // ln y for y = x where positive, else 1 (a normal double: floats widen to normal doubles), as in log(double)
            LongVector bits = one.blend(x, positive).reinterpretAsLongs();
            LongVector k = bits.sub(SQRT_HALF_BITS).lanewise(VectorOperators.ASHR, 52);
            DoubleVector m = bits.sub(k.lanewise(VectorOperators.LSHL, 52)).reinterpretAsDoubles();
            DoubleVector s = m.sub(1).div(m.add(1)), z = s.mul(s);
            DoubleVector series = z.fma(DoubleVector.broadcast(D, C10), DoubleVector.broadcast(D, C9)).fma(z, DoubleVector.broadcast(D, C8))
                    .fma(z, DoubleVector.broadcast(D, C7)).fma(z, DoubleVector.broadcast(D, C6)).fma(z, DoubleVector.broadcast(D, C5))
                    .fma(z, DoubleVector.broadcast(D, C4)).fma(z, DoubleVector.broadcast(D, C3)).fma(z, DoubleVector.broadcast(D, C2))
                    .fma(z, DoubleVector.broadcast(D, C1)).mul(z);
            DoubleVector kd = (DoubleVector) k.convert(VectorOperators.L2D, 0);
            DoubleVector twoS = s.add(s);
            DoubleVector ln = kd.fma(DoubleVector.broadcast(D, LN2_HI), twoS.fma(series, kd.mul(LN2_LO)).add(twoS));
            logs = p.fma(ln, logs);
        }
        double[] lanes = new double[L];
        sums.intoArray(lanes, 0);
        double sum = Lanes.sum(lanes, 0, L);
        logs.intoArray(lanes, 0);
        double log = Lanes.sum(lanes, 0, L);
        for (; j < n; j++) {
            double x = a[from + j];
            if (x > 0) {
                sum += x;
                log += x * log(x);
            }
        }
        return sum > 0 ? Math.log(sum) - log / sum : 0;
    }

    /**
     * ln x for a positive normal double, by the steps {@link #nats} takes on vectors: x = 2^k·m
     * with m in [√½, √2), then k·ln 2 + 2s(1 + s²/3 + s⁴/5 + … + s²⁰/21), s = (m − 1)/(m + 1).
     * Within about an ulp of {@link Math#log}.
     */
    static double log(double x) {
        long bits = Double.doubleToRawLongBits(x);
        long k = (bits - SQRT_HALF_BITS) >> 52;
        double m = Double.longBitsToDouble(bits - (k << 52));
        double s = (m - 1) / (m + 1), z = s * s;
        double series = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(
                z, C10, C9), z, C8), z, C7), z, C6), z, C5), z, C4), z, C3), z, C2), z, C1) * z;
        double twoS = s + s;
        return Math.fma(k, LN2_HI, Math.fma(twoS, series, k * LN2_LO) + twoS);
    }

    /** {@link #nats} one entry at a time, in order, with {@link Math#log}. */
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
