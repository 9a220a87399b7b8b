package dev.quill.train;

import dev.quill.model.CheckpointChecksums;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The checkpoint directories of a run: {@code last/}, {@code best/} and {@code step-NNNNNNN/}, each
 * written completely into a temporary directory and then renamed into place. A rename within one
 * directory is atomic, so at every moment either the new {@code last/} or the previous one (parked as
 * {@code .last.old} for the instant between two renames) is complete; {@link #resolve} finds whichever
 * exists. A crash or {@code kill -9} never leaves a half-written {@code last/}.
 *
 * <p>Before the rename each file is flushed to the disk and listed with its size and CRC32C in
 * {@code checksums.json} ({@link CheckpointChecksums}), which loading checks. When a file cannot be written
 * (no space left, a quota, a read-only directory) the partial directory is deleted, the previous checkpoint
 * stays as it was, and {@link CheckpointWriteException} says so in one line.
 */
public final class CheckpointStore {

    /** Writes the contents of one checkpoint into a directory. */
    @FunctionalInterface
    public interface Writer {
        /**
         * @param dir an empty directory to fill
         * @throws IOException when a file cannot be written (the checkpoint is then abandoned)
         */
        void write(Path dir) throws IOException;
    }

    private final Path root;

    /** @param root the run's output directory, created on the first write */
    public CheckpointStore(Path root) {
        this.root = root;
    }

    /** {@return the run's output directory} */
    public Path root() {
        return root;
    }

    /**
     * Writes {@code name/} atomically: into {@code .name.tmp/}, then renamed over the old one.
     *
     * @param name   the checkpoint's directory name ({@code last}, {@code best}, {@link #stepName})
     * @param writer fills the temporary directory
     * @return the checkpoint's final directory
     * @throws CheckpointWriteException when writing or renaming fails (a full disk, a quota, a read-only
     *                                  directory); the previous checkpoint is then still there, complete, and
     *                                  the partial one is deleted
     */
    public Path write(String name, Writer writer) {
        Path target = root.resolve(name);
        Path tmp = root.resolve("." + name + ".tmp");
        Path old = root.resolve("." + name + ".old");
        try {
            Files.createDirectories(root);
            deleteTree(tmp);
            Files.createDirectories(tmp);
            writer.write(tmp);
            CheckpointChecksums.writeAll(tmp);
            DiskFullSeam.check(tmp);
            sync(tmp);
        } catch (IOException | UncheckedIOException e) {
            deleteQuietly(tmp);                          // give the space back; the previous checkpoint is untouched
            throw new CheckpointWriteException(target, resolve("last"), e);
        }
        try {
            deleteTree(old);
            if (Files.exists(target)) {
                move(target, old);
            }
            move(tmp, target);
            deleteTree(old);
        } catch (IOException | UncheckedIOException e) {
            throw new CheckpointWriteException(target, resolve("last"), e);
        }
        return target;
    }

    /**
     * @param name the checkpoint's directory name
     * @return the complete checkpoint called {@code name}, or the parked previous one after a crash
     *         between the two renames, or null when there is neither
     */
    public Path resolve(String name) {
        Path target = root.resolve(name);
        if (Files.isDirectory(target)) {
            return target;
        }
        Path old = root.resolve("." + name + ".old");
        return Files.isDirectory(old) ? old : null;
    }

    /**
     * Deletes {@code step-*} directories beyond the newest {@code keep}.
     *
     * @param keep how many step checkpoints to keep
     * @throws IOException when listing or deleting fails
     */
    public void prune(int keep) throws IOException {
        if (!Files.isDirectory(root)) {
            return;
        }
        List<Path> steps;
        try (Stream<Path> s = Files.list(root)) {
            steps = s.filter(p -> p.getFileName().toString().matches("step-\\d+") && Files.isDirectory(p))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
        for (int i = 0; i < steps.size() - keep; i++) {
            deleteTree(steps.get(i));
        }
    }

    /**
     * @param step the optimizer step
     * @return the directory name of its checkpoint: {@code step-0000250} (zero-padded, so names sort by step)
     */
    public static String stepName(long step) {
        return String.format("step-%07d", step);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    /** Flushes every file of {@code dir}, and the directory, to the disk before it is renamed into place. */
    private static void sync(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) {
                try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
                    ch.force(true);
                }
            }
        }
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // some file systems cannot open a directory for syncing; its entries are then flushed with the files
        }
    }

    private static void deleteQuietly(Path dir) {
        try {
            deleteTree(dir);
        } catch (IOException | UncheckedIOException e) {
            // best effort: the next write of this checkpoint deletes it first
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
