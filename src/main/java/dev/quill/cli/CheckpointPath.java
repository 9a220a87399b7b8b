package dev.quill.cli;

import dev.quill.config.BadInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The check every {@code --checkpoint DIR} gets before anything is loaded, so a wrong path is one line that
 * says what to type instead: a path that does not exist, a file, or a run directory (which holds
 * {@code last/} and {@code best/}, not the checkpoint itself). A directory with a {@code config.json} is
 * taken as a candidate and left to the loader, whatever else it holds.
 */
final class CheckpointPath {

    private CheckpointPath() {
    }

    /**
     * {@return {@code dir}, when it may be a checkpoint}
     *
     * @param option the option's name, for the message ({@code --checkpoint})
     * @param dir    the path given
     * @throws BadInputException when it does not exist, is not a directory, or has no config.json
     */
    static Path check(String option, Path dir) {
        if (!Files.exists(dir)) {
            throw new BadInputException(option + " " + dir + " does not exist");
        }
        if (!Files.isDirectory(dir)) {
            throw new BadInputException(option + " " + dir + " is a file; give a checkpoint directory (one with config.json)");
        }
        if (Files.isRegularFile(dir.resolve("config.json"))) {
            return dir;
        }
        boolean last = Files.isRegularFile(dir.resolve("last/config.json"));
        boolean best = Files.isRegularFile(dir.resolve("best/config.json"));
        if (last || best) {
            String mean = last && best ? dir.resolve("last") + " or " + dir.resolve("best")
                    : dir.resolve(last ? "last" : "best").toString();
            throw new BadInputException(option + " " + dir + " is a run directory, not a checkpoint; did you mean " + mean + "?");
        }
        throw new BadInputException(option + " " + dir + " is not a checkpoint: it has no config.json");
    }
}
