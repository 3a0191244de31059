package org.attentionsearch.testing;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;

import org.attentionsearch.math.QuantizedMatrix.Format;

/**
 * Random stored rows in each format a {@link org.attentionsearch.math.QuantizedMatrix} reads:
 * random bytes for the quantized values, and scales of either sign sized so that the values are
 * O(0.1) (half-precision values: normal with standard deviation 0.1, finite, a few subnormal).
 */
public final class RandomBlocks {

    private RandomBlocks() {
    }

    /** n stored rows of k values after {@code skip} bytes of noise. */
    public static byte[] rows(Format format, Random rnd, int n, int k, int skip) {
        byte[] bytes = new byte[Math.toIntExact(skip + format.rowBytes(k) * n)];
        rnd.nextBytes(bytes);
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int at = skip; at < bytes.length; at += format.blockBytes()) {
            switch (format) {
                case F16 -> b.putShort(at, half(rnd, 0.1));
                case BF16 -> b.putShort(at, (short) (Float.floatToRawIntBits((float) (rnd.nextGaussian() * 0.1)) >>> 16));
                case Q8_0, Q4_0 -> b.putShort(at, half(rnd, 0.01)); // values up to 127·d or 8·d
                case Q4_K -> {
                    b.putShort(at, half(rnd, 0.0005)); // d: values up to 63·15·d
                    b.putShort(at + 2, half(rnd, 0.002)); // dmin: offsets up to 63·dmin
                }
                case Q6_K -> b.putShort(at + 208, half(rnd, 0.0002)); // values up to 127·32·d
            }
        }
        return bytes;
    }

    private static short half(Random rnd, double sd) {
        return Float.floatToFloat16((float) (rnd.nextGaussian() * sd));
    }
}
