package org.attentionsearch.web;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Lets a few analyses run at once and a bounded queue wait briefly for a turn; everyone
 * else is told to come back later (503), so load costs latency, never memory.
 */
final class Admission {

    /** Thrown when there is no room; the server answers 503 with Retry-After. */
    static final class Busy extends RuntimeException {
        Busy() {
            super("the server is busy with other analyses; try again in a moment", null, false, false);
        }
    }

    private final Semaphore running;
    private final int maxWaiting;
    private final long waitMillis;
    private final AtomicInteger waiting = new AtomicInteger();
    private final int concurrent;
    private final AtomicInteger peakRunning = new AtomicInteger(), peakWaiting = new AtomicInteger();

    Admission(int concurrent, int maxWaiting, long waitMillis) {
        this.concurrent = concurrent;
        this.running = new Semaphore(concurrent, true);
        this.maxWaiting = maxWaiting;
        this.waitMillis = waitMillis;
    }

    interface Work<T> {
        T run();
    }

    <T> T run(Work<T> work) {
        if (!running.tryAcquire()) {
            int queued = waiting.incrementAndGet();
            if (queued > maxWaiting) {
                waiting.decrementAndGet();
                throw new Busy();
            }
            peakWaiting.accumulateAndGet(queued, Math::max);
            try {
                if (!running.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) throw new Busy();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Busy();
            } finally {
                waiting.decrementAndGet();
            }
        }
        peakRunning.accumulateAndGet(concurrent - running.availablePermits(), Math::max);
        try {
            return work.run();
        } finally {
            running.release();
        }
    }

    /** The most analyses that ran at once so far. */
    int peakRunning() {
        return peakRunning.get();
    }

    /** The most requests that waited at once so far. */
    int peakWaiting() {
        return peakWaiting.get();
    }
}
