package dev.quill.data;

/**
 * An endless supply of training batches whose position can be saved and restored, so that a resumed
 * run sees the same batches it would have seen without the interruption.
 *
 * <p>Three sources: windows of a text ({@link RandomWindowSampler}), conversations mixed with text
 * ({@link dev.quill.data.sft.SftBatches}), and either one built ahead on a thread ({@link Prefetcher}).
 * Not sealed, because a sealed interface outside a named module only permits classes of its own package.
 */
public interface BatchSource extends AutoCloseable {

    /**
     * The next batch.
     *
     * @return B windows of T inputs and targets
     */
    Batch next();

    /**
     * The position in the stream: restoring it makes {@link #next()} continue from here.
     *
     * @return the state to save
     */
    long state();

    /** Releases what the source holds (a thread, for {@link Prefetcher}); a no-op by default. */
    @Override
    default void close() {
    }
}
