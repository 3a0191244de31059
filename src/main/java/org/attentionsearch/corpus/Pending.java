package org.attentionsearch.corpus;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Writes into Lucene on a thread of its own, in the order given, so that building the HNSW
 * graphs (most of an index's cost) overlaps the next forward passes instead of waiting for them.
 * At most {@link #QUEUED} documents wait, so memory stays flat when Lucene is the slower side;
 * the first failure is reported to the caller at its next call, and nothing queued after it is written.
 */
final class Pending implements AutoCloseable {

    /** One write: Lucene's addDocuments of one corpus document's entries. */
    interface Write {
        void run() throws IOException;
    }

    /** Corpus documents queued at most (a document of 100 tokens at six layers holds about 1 MB). */
    static final int QUEUED = 32;

    private final Path dir;
    private final ExecutorService thread;
    private final Semaphore room = new Semaphore(QUEUED);
    private volatile boolean closing;
    private Future<?> last;
    /** The first write that failed; those after it are not run. */
    private final AtomicReference<Throwable> failed = new AtomicReference<>();

    Pending(Path dir) {
        this.dir = dir;
        this.thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "index-writer");
            t.setDaemon(true);
            return t;
        });
    }

    /** Queues {@code write} behind those before it; waits while {@link #QUEUED} are queued. */
    void submit(Write write) {
        failure();
        room.acquireUninterruptibly();
        last = thread.submit(() -> {
            try {
                if (failed.get() == null && !closing) write.run();
            } catch (Throwable t) {
                failed.compareAndSet(null, t);
            } finally {
                room.release();
            }
        });
    }

    /** Waits until every queued write is done; reports the first that failed. */
    void await() {
        if (last != null) {
            try {
                last.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CorpusException("interrupted while writing to " + dir);
            } catch (ExecutionException e) {
                failed.compareAndSet(null, e.getCause());
            }
        }
        failure();
    }

    /** Throws the first failure of a write done so far, if any. */
    private void failure() {
        Throwable t = failed.get();
        if (t != null) throw failed(t);
    }

    private CorpusException failed(Throwable cause) {
        if (cause instanceof CorpusException c) return c;
        if (cause instanceof IOException || cause instanceof org.apache.lucene.store.AlreadyClosedException) {
            return new CorpusException("cannot write to " + dir + ": " + cause.getMessage());
        }
        if (cause instanceof RuntimeException r) throw r;
        if (cause instanceof Error e) throw e;
        return new CorpusException("cannot write to " + dir + ": " + cause);
    }

    /** Drops what is still queued and stops the thread once the write under way ends (not interrupted: Lucene would take that as a failure of its files). */
    @Override
    public void close() {
        closing = true;
        thread.shutdown();
        try {
            thread.awaitTermination(1, java.util.concurrent.TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
