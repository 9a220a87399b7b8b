package dev.quill.data;

/**
 * An endless supply of training batches whose position can be saved and restored, so that a resumed
 * run sees the same batches it would have seen without the interruption.
 */
public sealed interface BatchSource extends AutoCloseable permits RandomWindowSampler, Prefetcher {

    /** {@return the next batch} */
    Batch next();

    /** {@return the position in the stream: restoring it makes {@link #next()} continue from here} */
    long state();

    /** Releases what the source holds (a thread, for {@link Prefetcher}); a no-op by default. */
    @Override
    default void close() {
    }
}
