package org.attentionsearch.corpus;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.attentionsearch.math.Entropy;
import org.attentionsearch.math.Epilogue;
import org.attentionsearch.math.HalfMatrix;
import org.attentionsearch.math.Int4Matrix;
import org.attentionsearch.math.Int8Matrix;
import org.attentionsearch.math.Lanes;
import org.attentionsearch.math.Parallel;
import org.attentionsearch.math.QuantizedMatrix;
import org.attentionsearch.math.QuantizedMatrix.Format;
import org.attentionsearch.model.Model;
import org.attentionsearch.search.Analysis;
import org.attentionsearch.testing.RandomBlocks;
import org.attentionsearch.testing.RandomDecoders;
import org.attentionsearch.weights.Checkpoint;

/**
 * Numbers whose bits must not depend on how the JVM runs the code: the lane sums, the entropy,
 * every matrix-vector kernel and a small decoder's head statistics, as hex lines.
 * {@link InterpretedAndCompiledTest} runs it interpreted, and compiled (given "warm": the last
 * of 300 runs), in processes of its own.
 */
public final class JitProbe {

    private JitProbe() {
    }

    public static void main(String[] args) {
        Parallel.setThreads(1);
        List<String> lines = lines();
        for (int run = 1; args.length > 0 && args[0].equals("warm") && run < 300; run++) lines = lines();
        lines.forEach(System.out::println);
    }

    static List<String> lines() {
        List<String> out = new ArrayList<>();
        Random rnd = new Random(21);
        float[] lanes = new float[4 * Lanes.L], sums = new float[5];
        for (int i = 0; i < lanes.length; i++) lanes[i] = (float) (rnd.nextGaussian() * Math.pow(2, rnd.nextInt(40) - 20));
        Lanes.sum4(lanes, 0, sums, 0);
        sums[4] = Lanes.sum(lanes, Lanes.L);
        out.add("lanes " + hex(sums));
        float[] row = new float[45];
        for (int i = 0; i < row.length; i++) row[i] = (float) Math.exp(-12 * rnd.nextDouble());
        out.add("entropy " + Long.toHexString(Double.doubleToRawLongBits(Entropy.nats(row, 0, row.length))));

        int k = 256, n = 37;
        float[] x = new float[k];
        for (int i = 0; i < k; i++) x[i] = (float) rnd.nextGaussian();
        for (Format f : Format.values()) {
            QuantizedMatrix w = matrix(f, rnd, k, n);
            out.add(f + " in place " + hex(product(w, x)));
            if (f == Format.Q8_0 || f == Format.Q6_K) out.add(f + " bytes " + hex(product(Int8Matrix.of(w), x)));
            if (f == Format.Q4_0 || f == Format.Q4_K) out.add(f + " nibbles " + hex(product(Int4Matrix.of(w), x)));
            if (f == Format.F16) out.add(f + " halves " + hex(product(HalfMatrix.of(w), x)));
        }

        var random = RandomDecoders.checkpoint(RandomDecoders.llama(), 11);
        Model model = Model.load(new Checkpoint(random.config(), random.tensors(), InductionModels.vocabulary(RandomDecoders.VOCAB),
                null, random.source()));
        HeadSums heads = new HeadSums(model.config().layers(), model.config().heads());
        for (String text : List.of("t5 t9 t5 t12 t7 t5 t9 t30 t31 t5", "t8 t3 t3")) heads.add(Analysis.of(model, text), model.tokenizer());
        out.add("head sums " + heads.encode());
        return out;
    }

    private static QuantizedMatrix matrix(Format format, Random rnd, int k, int n) {
        long[] offsets = new long[n];
        for (int j = 0; j < n; j++) offsets[j] = (long) j * format.rowBytes(k);
        return QuantizedMatrix.of(format, MemorySegment.ofArray(RandomBlocks.rows(format, rnd, n, k, 0)), offsets, k);
    }

    private static float[] product(org.attentionsearch.math.WeightMatrix w, float[] x) {
        float[] c = new float[w.n()];
        w.multiply(x, 1, null, Epilogue.NONE, null, c, null);
        return c;
    }

    private static String hex(float[] v) {
        StringBuilder b = new StringBuilder();
        for (float f : v) b.append(Integer.toHexString(Float.floatToRawIntBits(f))).append(' ');
        return b.toString().trim();
    }
}
