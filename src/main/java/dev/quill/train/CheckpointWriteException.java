package dev.quill.train;

import dev.quill.config.IoErrors;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A checkpoint could not be written completely (no space left, a quota, a read-only directory). The run
 * stops; the previous checkpoint of the same name is still there, complete, and {@code --resume} continues
 * from it. The message is one line: which checkpoint, why, and what is left.
 */
public final class CheckpointWriteException extends TrainingFailedException {

    /**
     * @param target   the checkpoint that was being written, e.g. {@code out/run/last}
     * @param previous the complete checkpoint that is still there, or null when there is none
     * @param cause    the failure, an {@link IOException} or an {@link UncheckedIOException}
     */
    public CheckpointWriteException(Path target, Path previous, Exception cause) {
        super("cannot write checkpoint " + target + ": " + IoErrors.describe(cause) + "; " + left(previous));
        initCause(cause);
    }

    private static String left(Path previous) {
        if (previous == null) {
            return "no earlier checkpoint of that name exists; free some space and start again";
        }
        String step = "";
        try {
            step = " (step " + TrainState.read(previous).step() + ")";
        } catch (IOException | RuntimeException e) {
            // a checkpoint without trainer state (best/): no step to name
        }
        return "the previous one, " + previous + step + ", is intact; free some space and continue with --resume";
    }
}
