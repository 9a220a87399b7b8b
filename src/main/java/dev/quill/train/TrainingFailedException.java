package dev.quill.train;

/** Training cannot go on (for example: too many consecutive steps with a non-finite loss or gradient). */
public class TrainingFailedException extends RuntimeException {

    /** @param message what went wrong, and at which step */
    public TrainingFailedException(String message) {
        super(message);
    }
}
