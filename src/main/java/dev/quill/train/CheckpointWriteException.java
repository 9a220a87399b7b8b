package dev.quill.train;

import dev.quill.config.IoErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A checkpoint, or another file of the run's output, could not be written completely (no space left, a
 * quota, a read-only directory). The run stops; the previous checkpoints are still there, complete, and
 * {@code --resume} continues from {@code last/}. The message is one line: what, why, and what is left.
 */
public final class CheckpointWriteException extends TrainingFailedException {

    /**
     * @param target   the checkpoint that was being written, e.g. {@code out/run/best}
     * @param previous the complete {@code last/} that {@code --resume} continues from, or null when there is none
     * @param cause    the failure, an {@link IOException} or an {@link UncheckedIOException}
     */
    public CheckpointWriteException(Path target, Path previous, Exception cause) {
        this("checkpoint " + target, previous, cause);
    }

    /**
     * @param what     what could not be written, e.g. {@code "checkpoint out/run/last"} or {@code "in out/run"}
     * @param previous the complete {@code last/} that {@code --resume} continues from, or null when there is none
     * @param cause    the failure, an {@link IOException} or an {@link UncheckedIOException}
     */
    public CheckpointWriteException(String what, Path previous, Exception cause) {
        super("cannot write " + what + ": " + IoErrors.describe(cause) + "; " + left(previous));
        initCause(cause);
    }

    private static String left(Path resumable) {
        if (resumable == null) {
            return "there is no complete checkpoint to resume from yet; free some space and start again";
        }
        String step = "";
        try {
            step = " (step " + TrainState.read(resumable).step() + ")";
        } catch (IOException | RuntimeException e) {
            // no readable trainer state: no step to name
        }
        return "the last complete checkpoint, " + resumable + step + ", is intact; free some space and continue with --resume";
    }
}
