package dev.quill.data;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Builds the next batches on a background thread while the model computes on the current one.
 *
 * <p>One daemon thread fills a bounded queue (1-2 batches ahead) from a source (a
 * {@link RandomWindowSampler} or {@link dev.quill.data.sft.SftBatches}), which from then on belongs to that thread.
 * Each queued batch carries the sampler state just after it,
 * so {@link #state()} is the state after the last batch <em>handed out</em>, not after the ones waiting
 * in the queue: restoring it reproduces the stream exactly as without prefetching. {@link #close()}
 * stops the thread; use try-with-resources.
 */
public final class Prefetcher implements BatchSource {

    private record Item(Batch batch, long stateAfter, RuntimeException failure) {
    }

    private final BlockingQueue<Item> queue;
    private final Thread worker;
    private volatile boolean closed;
    private long state;

    /**
     * Starts prefetching from {@code sampler}, which must not be used directly afterwards.
     *
     * @param sampler the source of batches, handed over to the background thread
     * @param depth   batches to build ahead, 1 or 2
     */
    public Prefetcher(BatchSource sampler, int depth) {
        if (depth < 1 || depth > 2) {
            throw new IllegalArgumentException("prefetch depth must be 1 or 2, not " + depth);
        }
        this.queue = new ArrayBlockingQueue<>(depth);
        this.state = sampler.state();
        this.worker = new Thread(() -> fill(sampler), "quill-prefetch");
        this.worker.setDaemon(true);
        this.worker.start();
    }

    private void fill(BatchSource sampler) {
        try {
            while (!closed) {
                Batch batch = sampler.next();
                queue.put(new Item(batch, sampler.state(), null));
            }
        } catch (InterruptedException e) {
            // close() asked us to stop
        } catch (RuntimeException e) {
            queue.offer(new Item(null, 0, e));
        }
    }

    @Override
    public Batch next() {
        if (closed) {
            throw new IllegalStateException("the prefetcher is closed");
        }
        Item item;
        try {
            item = queue.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a batch", e);
        }
        if (item.failure() != null) {
            throw item.failure();
        }
        state = item.stateAfter();
        return item.batch();
    }

    @Override
    public long state() {
        return state;
    }

    /** Whether the background thread is still running (for tests). */
    boolean isRunning() {
        return worker.isAlive();
    }

    /** Stops the background thread and waits for it to end. */
    @Override
    public void close() {
        closed = true;
        worker.interrupt();
        try {
            worker.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
