package dev.quill.data;

import dev.quill.config.BadInputException;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Write-then-rename, so a reader never sees half a file: the bytes go to a temporary file in the
 * target's directory, which is then moved over the target in one step.
 */
public final class AtomicFiles {

    private AtomicFiles() {
    }

    /**
     * Writes {@code bytes} to {@code target} atomically, creating parent directories.
     *
     * @param target the file to write or replace
     * @param bytes  its whole content
     * @throws UncheckedIOException if the file cannot be written (the target is then unchanged)
     */
    public static void write(Path target, byte[] bytes) {
        Path temp = null;
        try {
            temp = tempBeside(target);
            Files.write(temp, bytes);
            moveIntoPlace(temp, target);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException("could not write " + target, e);
        }
    }

    /** A fresh temporary file in the directory of {@code target} (same file system, so the move is atomic). */
    static Path tempBeside(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        if (dir == null) {
            throw new BadInputException("cannot write " + target + ": it has no parent directory");
        }
        Files.createDirectories(dir);
        Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".part");
        try {
            // createTempFile makes owner-only files; the result is an ordinary data file
            Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system: keep its default
        }
        return temp;
    }

    /** Moves {@code temp} over {@code target}, atomically where the file system allows it. */
    static void moveIntoPlace(Path temp, Path target) throws IOException {
        try {
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort: a stray .part file is harmless
        }
    }
}
