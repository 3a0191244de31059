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
 * runs a share itself, so {@code threads() == 1} means "no pool at all". Work is cut into a few
 * contiguous pieces per thread, each claimed by whichever thread is free next: on a busy
 * machine, where another process may hold a core for milliseconds, the threads that run take
 * over the pieces of one that does not, instead of all waiting for it. Idle workers spin briefly
 * (the next kernel of a forward pass usually follows within microseconds) and then park.
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
    /** Pieces per thread: enough that a stalled thread's share is small, few enough that each piece is long ({@code -Dattentionsearch.parallel.pieces}). */
    private static final int PIECES = Math.max(1, Integer.getInteger("attentionsearch.parallel.pieces", 4));
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

    /** Pieces per thread that {@link #forRange(int, int, RangeBody)} cuts a call into. */
    public static int pieces() {
        return PIECES;
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
        forRange(n, grain, PIECES, body);
    }

    /**
     * As {@link #forRange(int, int, RangeBody)} with {@code pieces} pieces per thread: fewer where
     * every piece rereads shared data (a prompt's row blocks each read all of W), so that more
     * pieces cost more than a stalled thread's share does.
     */
    public static void forRange(int n, int grain, int pieces, RangeBody body) {
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
        pool().run(n, grain, chunks, Math.max(1, pieces), body);
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

    /**
     * One call's work: {@code pieces} ranges, claimed one at a time by whichever thread is free.
     * A thread the machine has taken away holds up at most the piece it claimed; one that wakes
     * after the work is gone finds nothing left to claim.
     */
    private static final class Job {
        final RangeBody body;
        final int n, grain, pieces;
        final AtomicInteger next = new AtomicInteger(), finished = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread owner;

        Job(RangeBody body, int n, int grain, int pieces, Thread owner) {
            this.body = body;
            this.n = n;
            this.grain = grain;
            this.pieces = pieces;
            this.owner = owner;
        }

        /** Claims and runs pieces until none is left; the thread that finishes the last wakes the owner. */
        void work() {
            for (int p; (p = next.getAndIncrement()) < pieces; ) {
                try {
                    body.run(chunkStart(n, grain, pieces, p), chunkStart(n, grain, pieces, p + 1));
                } catch (Throwable t) {
                    fail(t);
                } finally {
                    if (finished.incrementAndGet() == pieces && Thread.currentThread() != owner) LockSupport.unpark(owner);
                }
            }
        }

        void fail(Throwable t) {
            if (!failure.compareAndSet(null, t)) {
                Throwable first = failure.get();
                if (first != null && first != t) first.addSuppressed(t);
            }
        }

        /** Waits until every piece is finished: briefly spinning, as the other share usually ends within microseconds, then parked. */
        void await() {
            long start = System.nanoTime();
            int spins = 0;
            while (finished.get() != pieces) {
                if ((++spins & 63) != 0 || System.nanoTime() - start < Pool.SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
        }
    }

    private static final class Pool {
        private static final long SPIN_NANOS = 50_000;

        private final Worker[] workers;
        private final ReentrantLock lock = new ReentrantLock();
        private volatile Thread owner;

        Pool(int threads) {
            workers = new Worker[threads - 1];
            for (int i = 0; i < workers.length; i++) {
                workers[i] = new Worker(i + 1);
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

        /** Shares [0, n) out as {@code pieces} pieces per thread, handed to whichever thread asks next. */
        void run(int n, int grain, int chunks, int pieces, RangeBody body) {
            lock.lock();
            try {
                owner = Thread.currentThread();
                long grains = ((long) n + grain - 1) / grain;
                Job job = new Job(body, n, grain, (int) Math.min(grains, (long) chunks * pieces), owner);
                for (int c = 1; c < chunks; c++) workers[c - 1].assign(job);
                job.work();
                job.await();
                Throwable t = job.failure.get();
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
        private final AtomicReference<Job> job = new AtomicReference<>();
        private volatile boolean sleeping;
        volatile boolean stopping;

        Worker(int index) {
            super("attention-search-worker-" + index);
            setDaemon(true);
        }

        void assign(Job j) {
            job.set(j);
            if (sleeping) {
                LockSupport.unpark(this);
            }
        }

        @Override
        public void run() {
            while (!stopping) {
                Job j = awaitJob();
                if (j != null) {
                    job.compareAndSet(j, null); // a newer job, assigned meanwhile, stays
                    j.work();
                }
            }
        }

        private Job awaitJob() {
            long t0 = System.nanoTime();
            int spins = 0;
            Job j;
            while ((j = job.get()) == null && !stopping) {
                if ((++spins & 63) != 0 || System.nanoTime() - t0 < Pool.SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    sleeping = true;
                    if (job.get() == null && !stopping) {
                        LockSupport.park(this);
                    }
                    sleeping = false;
                }
            }
            return j;
        }
    }
}
