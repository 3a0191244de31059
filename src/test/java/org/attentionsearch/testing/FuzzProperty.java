package org.attentionsearch.testing;

import java.lang.management.ManagementFactory;
import java.util.function.Predicate;

/**
 * What every parser owes any input, checked around one call: a result or one clear error (an
 * exception the caller names as clear, its message one bounded line), within a time bound, and
 * allocating no more than the input's size justifies. Anything else (an unchecked exception, a
 * stack overflow, an OutOfMemoryError) escapes as the fuzzer's finding.
 */
public final class FuzzProperty {

    /** Wall-clock bound on one input; generous, since the suite shares its cores. */
    private static final long MAX_NANOS = 10_000_000_000L;
    /** Bytes a parse may allocate: a fixed allowance plus a multiple of the input's size. */
    private static final long FIXED_BYTES = 64L << 20, BYTES_PER_INPUT_BYTE = 256;
    private static final int MAX_MESSAGE = 1100;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private FuzzProperty() {
    }

    /** The parse, in the terms of the property. */
    @FunctionalInterface
    public interface Parse {
        void run() throws Exception;
    }

    /** Time and bytes one parse took. */
    private record Cost(long nanos, long bytes) {
    }

    /**
     * Runs {@code parse} over an input of {@code inputBytes} bytes; an exception {@code clear}
     * accepts is the parser's answer, provided its message is one line of bounded length.
     */
    public static void check(long inputBytes, Predicate<Throwable> clear, Parse parse) {
        long allowed = FIXED_BYTES + BYTES_PER_INPUT_BYTE * inputBytes;
        Cost cost = run(clear, parse);
        // The first parse of a kind loads, initialises and compiles classes (and the fuzzer
        // instruments them): a parse over a bound is measured again before it counts.
        if (cost.nanos() > MAX_NANOS || cost.bytes() > allowed) cost = run(clear, parse);
        if (cost.nanos() > MAX_NANOS) throw new AssertionError("took " + cost.nanos() / 1_000_000 + " ms on an input of " + inputBytes + " bytes");
        if (cost.bytes() > allowed) {
            throw new AssertionError("allocated " + (cost.bytes() >> 20) + " MB on an input of " + inputBytes + " bytes (allowed "
                    + (allowed >> 20) + " MB)");
        }
    }

    private static Cost run(Predicate<Throwable> clear, Parse parse) {
        long allocatedBefore = THREADS.getCurrentThreadAllocatedBytes();
        long start = System.nanoTime();
        try {
            parse.run();
        } catch (Exception e) {
            if (!clear.test(e)) throw new AssertionError("not a clear error: " + e, e);
            String m = e.getMessage();
            if (m == null || m.isBlank() || m.length() > MAX_MESSAGE || m.contains("\n")) {
                throw new AssertionError("an error message that is not one bounded line (" + (m == null ? "null" : m.length() + " chars")
                        + "): " + (m == null ? "" : m.substring(0, Math.min(m.length(), 200))), e);
            }
        }
        return new Cost(System.nanoTime() - start, THREADS.getCurrentThreadAllocatedBytes() - allocatedBefore);
    }
}
