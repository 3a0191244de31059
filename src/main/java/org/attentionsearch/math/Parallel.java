package org.attentionsearch.math;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntConsumer;

/**
 * The worker threads that the kernels split their work across.
 *
 * <p>A fixed pool of {@code threads() - 1} daemon platform threads; the calling thread always
 * runs one share itself, so {@code threads() == 1} means "no pool at all". Work is handed out
 * as one contiguous range per thread. Idle workers spin briefly (the next kernel of a forward
 * pass usually follows within microseconds) and then park.
 *
 * <p>Calls made from inside a parallel region (from a worker, or from the caller's own share)
 * run inline on the current thread, so nested use cannot deadlock. Calls from unrelated threads
 * at the same time are serialised.
 */
public final class Parallel {

    /** A body that processes the index range {@code [start, end)}. */
    @FunctionalInterface
    public interface RangeBody {
        void run(int start, int end);
    }

    private static final Object CONFIG = new Object();
    private static volatile int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private static volatile Pool pool; // written under CONFIG

    private Parallel() {
    }

    /** Sets the number of threads (including the caller); meant to be called once at start. */
    public static void setThreads(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("threads must be >= 1: " + n);
        }
        synchronized (CONFIG) {
            if (n == threads) {
                return;
            }
            Pool old = pool;
            pool = null;
            threads = n;
            if (old != null) {
                old.shutdown();
            }
        }
    }

    public static int threads() {
        return threads;
    }

    /** Runs {@code body(i)} for every i in [0, n), in contiguous chunks, one per thread. */
    public static void forEach(int n, IntConsumer body) {
        forRange(n, 1, (start, end) -> {
            for (int i = start; i < end; i++) {
                body.accept(i);
            }
        });
    }

    /**
     * Runs {@code body(start, end)} on contiguous ranges covering [0, n), one per thread, each
     * range starting at a multiple of {@code grain}. Returns when all ranges are done; the first
     * exception thrown by any range is rethrown here (later ones are attached as suppressed).
     */
    public static void forRange(int n, int grain, RangeBody body) {
        if (grain < 1) {
            throw new IllegalArgumentException("grain must be >= 1: " + grain);
        }
        if (n <= 0) {
            return;
        }
        int chunks = (int) Math.min(threads, ((long) n + grain - 1) / grain);
        if (chunks <= 1 || Pool.insideRegion()) {
            body.run(0, n);
            return;
        }
        pool().run(n, grain, chunks, body);
    }

    private static Pool pool() {
        synchronized (CONFIG) {
            if (pool == null || pool.size() != threads) {
                pool = new Pool(threads);
            }
            return pool;
        }
    }

    /** Start of chunk {@code c} of {@code chunks}: whole grains shared out as evenly as possible. */
    static int chunkStart(int n, int grain, int chunks, int c) {
        long grains = ((long) n + grain - 1) / grain;
        return (int) Math.min(n, grains * c / chunks * grain);
    }

    private static final class Pool {
        private static final long SPIN_NANOS = 50_000;

        private final Worker[] workers;
        private final ReentrantLock lock = new ReentrantLock();
        private final AtomicInteger pending = new AtomicInteger();
        private final AtomicReference<Throwable> failure = new AtomicReference<>();
        private volatile Thread owner;

        Pool(int threads) {
            workers = new Worker[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(this, i + 1);
                workers[i].start();
            }
        }

        int size() {
            return workers.length + 1;
        }

        static boolean insideRegion() {
            Thread t = Thread.currentThread();
            if (t instanceof Worker) {
                return true;
            }
            Pool p = pool;
            return p != null && p.owner == t;
        }

        void run(int n, int grain, int chunks, RangeBody body) {
            lock.lock();
            try {
                owner = Thread.currentThread();
                failure.set(null);
                pending.set(chunks - 1);
                for (int c = 1; c < chunks; c++) {
                    workers[c - 1].assign(body,
                            chunkStart(n, grain, chunks, c), chunkStart(n, grain, chunks, c + 1));
                }
                try {
                    body.run(0, chunkStart(n, grain, chunks, 1));
                } catch (Throwable t) {
                    fail(t);
                }
                awaitWorkers();
                Throwable t = failure.getAndSet(null);
                if (t instanceof RuntimeException e) {
                    throw e;
                } else if (t instanceof Error e) {
                    throw e;
                } else if (t != null) {
                    throw new RuntimeException(t);
                }
            } finally {
                owner = null;
                lock.unlock();
            }
        }

        private void awaitWorkers() {
            long start = System.nanoTime();
            int spins = 0;
            while (pending.get() != 0) {
                if ((++spins & 63) != 0 || System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }

        void fail(Throwable t) {
            if (!failure.compareAndSet(null, t)) {
                Throwable first = failure.get();
                if (first != null && first != t) {
                    first.addSuppressed(t);
                }
            }
        }

        void done() {
            if (pending.decrementAndGet() == 0) {
                Thread o = owner;
                if (o != null) {
                    LockSupport.unpark(o);
                }
            }
        }

        void shutdown() {
            lock.lock();
            try {
                for (Worker w : workers) {
                    w.stopping = true;
                    LockSupport.unpark(w);
                }
            } finally {
                lock.unlock();
            }
        }
    }

    private static final class Worker extends Thread {
        private final Pool pool;
        private volatile RangeBody body;
        private int start;
        private int end;
        private volatile boolean sleeping;
        volatile boolean stopping;

        Worker(Pool pool, int index) {
            super("attention-search-worker-" + index);
            this.pool = pool;
            setDaemon(true);
        }

        void assign(RangeBody b, int s, int e) {
            start = s;
            end = e;
            body = b; // volatile write publishes start and end
            if (sleeping) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            while (!stopping) {
                RangeBody b = awaitBody();
                if (b == null) {
                    continue;
                }
                body = null;
                try {
                    b.run(start, end);
                } catch (Throwable t) {
                    pool.fail(t);
                } finally {
                    pool.done();
                }
            }
        }

        private RangeBody awaitBody() {
            long t0 = System.nanoTime();
            int spins = 0;
            RangeBody b;
            while ((b = body) == null && !stopping) {
                if ((++spins & 63) != 0 || System.nanoTime() - t0 < Pool.SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    sleeping = true;
                    if (body == null && !stopping) {
                        LockSupport.park(this);
                    }
                    sleeping = false;
                }
            }
            return b;
        }
    }
}
