package dev.quill.train;

/** A collective operation failed: a peer died, hung past the timeout, or could not be reached. */
public class CollectiveException extends TrainingFailedException {

    /** @param message what failed, on which rank, and what to check */
    public CollectiveException(String message) {
        super(message);
    }
}
