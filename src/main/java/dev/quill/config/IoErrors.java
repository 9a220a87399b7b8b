package dev.quill.config;

import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * An I/O failure in words a user reads: the operating system's reason and the file, without Java's
 * exception names ({@code No space left on device (out/run/.last.tmp/model.safetensors)}).
 */
public final class IoErrors {

    private IoErrors() {
    }

    /**
     * @param e an I/O failure, possibly wrapped (in an {@link UncheckedIOException}, or by a library that
     *          reports its own failure and keeps the system's as the cause)
     * @return one line: the reason, then the file in parentheses where one is known
     */
    public static String describe(Throwable e) {
        Throwable t = e;
        for (Throwable c = e.getCause(); c != null && c != t; c = c.getCause()) {
            if (c instanceof java.io.IOException) {
                t = c;                                    // the innermost I/O failure has the system's reason
            }
        }
        if (t instanceof FileSystemException f) {
            String why = t instanceof AccessDeniedException ? "permission denied"
                    : t instanceof NoSuchFileException ? "no such file or directory"
                    : t instanceof FileAlreadyExistsException ? "already exists"
                    : f.getReason() != null ? f.getReason() : "input/output error";
            String file = f.getFile() == null ? "" : " (" + f.getFile()
                    + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ")";
            return why + file;
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? "input/output error" : m.lines().findFirst().orElse("");
    }
}
