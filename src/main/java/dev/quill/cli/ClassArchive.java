package dev.quill.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The launcher's class archive (class data sharing, docs/performance.md "Start-up: class data sharing"). When
 * no archive exists for a command, the launcher runs it with {@code -XX:ArchiveClassesAtExit=TEMP} (the JVM
 * writes the classes it loaded to TEMP as it exits) and {@code -Dquill.cds.ok=MARKER}. Only a run that ends
 * well is worth keeping (one that stopped on a typo loaded a few classes), so {@link #markSuccess} writes the
 * marker when the command returned 0; the next launch moves a marked TEMP into place and deletes the others.
 */
final class ClassArchive {

    /** The system property naming the marker file. */
    static final String MARKER_PROPERTY = "quill.cds.ok";

    private ClassArchive() {
    }

    /**
     * Writes the marker named by {@value #MARKER_PROPERTY}, if any, when the command succeeded. A marker that
     * cannot be written costs only the archive.
     *
     * @param exitCode the command's exit code
     */
    static void markSuccess(int exitCode) {
        String marker = System.getProperty(MARKER_PROPERTY);
        if (exitCode != QuillCommand.OK || marker == null || marker.isBlank()) {
            return;
        }
        try {
            Files.writeString(Path.of(marker), "ok\n");
        } catch (IOException | RuntimeException e) {
            // no archive this time; the next run tries again
        }
    }

    /**
     * {@return whether a JVM option belongs to writing the class archive}: a worker started by {@code quill
     * launch} leaves those out, so that several processes do not write one file (mapping an archive is fine)
     *
     * @param jvmOption one option as the JVM reports it
     */
    static boolean writesArchive(String jvmOption) {
        return jvmOption.startsWith("-XX:ArchiveClassesAtExit=") || jvmOption.startsWith("-D" + MARKER_PROPERTY + "=")
                || jvmOption.equals("-XX:+AutoCreateSharedArchive");
    }

    /** {@return the options of this list that a worker keeps} */
    static List<String> forWorkers(List<String> jvmOptions) {
        return jvmOptions.stream().filter(o -> !writesArchive(o)).toList();
    }
}
