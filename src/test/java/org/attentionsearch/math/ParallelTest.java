package org.attentionsearch.math;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @AfterEach
    void restore() {
        Parallel.setThreads(Runtime.getRuntime().availableProcessors());
    }

    @Test
    void forEachCoversEveryIndexExactlyOnce() {
        for (int threads = 1; threads <= 5; threads++) {
            Parallel.setThreads(threads);
            assertEquals(threads, Parallel.threads());
            for (int n : new int[] {0, 1, 2, 3, 7, 64, 1000}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(Math.max(n, 1));
                Parallel.forEach(n, seen::incrementAndGet);
                for (int i = 0; i < n; i++) {
                    assertEquals(1, seen.get(i), "threads " + threads + " n " + n + " index " + i);
                }
            }
        }
    }

    @Test
    void forRangeRangesAreContiguousAlignedAndCoverAll() {
        for (int threads = 1; threads <= 4; threads++) {
            Parallel.setThreads(threads);
            for (int grain : new int[] {1, 6, 16}) {
                for (int n : new int[] {1, 5, 6, 13, 100, 129}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    AtomicInteger calls = new AtomicInteger();
                    int g = grain;
                    Parallel.forRange(n, grain, (s, e) -> {
                        calls.incrementAndGet();
                        assertTrue(s % g == 0 && s < e && e <= n, "range " + s + ".." + e);
                        for (int i = s; i < e; i++) {
                            seen.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertEquals(1, seen.get(i));
                    }
                    assertTrue(calls.get() <= 4 * threads, calls + " pieces");
                }
            }
        }
    }

    @Test
    void aCallCutIntoFewerPiecesCoversAllInAtMostThatMany() {
        for (int threads = 2; threads <= 3; threads++) {
            Parallel.setThreads(threads);
            for (int pieces : new int[] {1, 2}) {
                for (int n : new int[] {7, 128, 1000}) {
                    AtomicIntegerArray seen = new AtomicIntegerArray(n);
                    AtomicInteger calls = new AtomicInteger();
                    Parallel.forRange(n, 2, pieces, (s, e) -> {
                        calls.incrementAndGet();
                        assertTrue(s % 2 == 0 && s < e && e <= n, "range " + s + ".." + e);
                        for (int i = s; i < e; i++) seen.incrementAndGet(i);
                    });
                    for (int i = 0; i < n; i++) assertEquals(1, seen.get(i), "index " + i);
                    assertTrue(calls.get() <= pieces * threads, calls + " pieces, at most " + pieces * threads);
                }
            }
        }
    }

    @Test
    void usesSeveralThreads() {
        Parallel.setThreads(3);
        var names = ConcurrentHashMap.<String>newKeySet();
        Parallel.forEach(3, i -> {
            names.add(Thread.currentThread().getName());
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        assertEquals(3, names.size(), names.toString());
        assertTrue(names.contains(Thread.currentThread().getName()), "the caller takes a share");
    }

    @Test
    void exceptionsPropagateFromWorkersAndCaller() {
        Parallel.setThreads(2);
        IllegalStateException boom = new IllegalStateException("boom");
        for (int failing : new int[] {0, 9}) { // index 0: caller's share; 9: the worker's
            RuntimeException thrown = assertThrows(RuntimeException.class, () ->
                    Parallel.forEach(10, i -> {
                        if (i == failing) {
                            throw boom;
                        }
                    }));
            assertSame(boom, thrown);
        }
        AssertionError error = assertThrows(AssertionError.class, () ->
                Parallel.forEach(10, i -> {
                    if (i == 9) {
                        throw new AssertionError("worker error");
                    }
                }));
        assertEquals("worker error", error.getMessage());
        AtomicInteger after = new AtomicInteger(); // the pool still works
        Parallel.forEach(10, i -> after.incrementAndGet());
        assertEquals(10, after.get());
    }

    @Test
    void nestedCallsRunInline() {
        Parallel.setThreads(2);
        AtomicIntegerArray seen = new AtomicIntegerArray(8 * 8);
        Parallel.forEach(8, i -> Parallel.forEach(8, j -> seen.incrementAndGet(i * 8 + j)));
        for (int i = 0; i < 64; i++) {
            assertEquals(1, seen.get(i));
        }
    }

    @Test
    void aStalledThreadsShareIsTakenOverByTheOthers() {
        Parallel.setThreads(2);
        AtomicIntegerArray seen = new AtomicIntegerArray(64);
        AtomicInteger byCaller = new AtomicInteger();
        Thread caller = Thread.currentThread();
        Parallel.forRange(64, 1, (s, e) -> {
            if (Thread.currentThread() == caller) {
                byCaller.addAndGet(e - s);
            } else {
                sleep(300); // the worker stalls in its piece, as a thread another process holds off its core would
            }
            for (int i = s; i < e; i++) seen.incrementAndGet(i);
        });
        for (int i = 0; i < 64; i++) assertEquals(1, seen.get(i));
        // the worker held up the one small piece it took; the caller ran the rest, far more than its half
        assertTrue(byCaller.get() >= 48, byCaller + " of 64 indices by the caller");
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void concurrentCallersAreSerialisedCorrectly() throws InterruptedException {
        Parallel.setThreads(2);
        AtomicInteger total = new AtomicInteger();
        Thread[] callers = new Thread[4];
        for (int t = 0; t < callers.length; t++) {
            callers[t] = new Thread(() -> {
                for (int r = 0; r < 200; r++) {
                    Parallel.forEach(17, i -> total.incrementAndGet());
                }
            });
            callers[t].start();
        }
        for (Thread t : callers) {
            t.join();
        }
        assertEquals(4 * 200 * 17, total.get());
    }
}
