package dev.quill.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The launcher's class archive (class data sharing, docs/performance.md "Start-up: class data sharing"). When
 * no archive exists for a command, the launcher runs it with {@code -XX:ArchiveClassesAtExit=TEMP} (the JVM
 * writes the classes it loaded to TEMP as it exits) and {@code -Dquill.cds.ok=MARKER}. Only a run that ends
 * well is worth keeping (one that stopped on a typo loaded a few classes), so {@link #beforeExit} writes the
 * marker when the command returned 0; the next launch moves a marked TEMP into place and deletes the others.
 * The workers of {@code quill launch} map their command's archive and write none ({@link #forWorkers}).
 */
final class ClassArchive {

    /** The system property naming the marker file. */
    static final String MARKER_PROPERTY = "quill.cds.ok";
    private static final String MAPS = "-XX:SharedArchiveFile=", WRITES = "-XX:ArchiveClassesAtExit=";

    private ClassArchive() {
    }

    /**
     * Before the JVM exits (and writes the archive): makes sure the archive's folder still exists, since the
     * JVM ends with an error when it cannot write the file (after {@code mvn clean} during a run, say), and
     * writes the marker named by {@value #MARKER_PROPERTY}, if any, when the command succeeded. A marker that
     * cannot be written costs only the archive.
     *
     * @param exitCode the command's exit code
     */
    static void beforeExit(int exitCode) {
        String marker = System.getProperty(MARKER_PROPERTY);
        if (marker == null || marker.isBlank()) {
            return;
        }
        try {
            Path file = Path.of(marker);
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            if (exitCode == QuillCommand.OK) {
                Files.writeString(file, "ok\n");
            }
        } catch (IOException | RuntimeException e) {
            // no archive this time; the next run tries again
        }
    }

    /**
     * {@return whether a JVM option belongs to writing the class archive, or to recording a JDK 24+ AOT cache}:
     * a worker started by {@code quill launch} leaves those out, so that several processes do not write one file
     *
     * @param jvmOption one option as the JVM reports it
     */
    static boolean writesArchive(String jvmOption) {
        return jvmOption.startsWith(WRITES) || jvmOption.startsWith("-D" + MARKER_PROPERTY + "=")
                || jvmOption.equals("-XX:+AutoCreateSharedArchive")
                || jvmOption.equals("-XX:AOTMode=record") || jvmOption.equals("-XX:AOTMode=create")  // JDK 24+ AOT
                || jvmOption.startsWith("-XX:AOTConfiguration=") || jvmOption.startsWith("-XX:AOTCacheOutput=");
    }

    /**
     * {@return the options of this list that a worker running {@code command} keeps}: not those that write an
     * archive, and, in place of the launcher's own archive ({@code launch-REST.jsa}, mapped or being written),
     * the archive of the worker's command beside it ({@code train-REST.jsa}), when one exists. An archive of
     * the user's own is kept as it is.
     *
     * @param jvmOptions the launcher's JVM options
     * @param command    the workers' command, such as {@code train}
     */
    static List<String> forWorkers(List<String> jvmOptions, String command) {
        List<String> kept = new ArrayList<>();
        Path launchArchive = null;
        for (String o : jvmOptions) {
            Path p = o.startsWith(MAPS) ? Path.of(o.substring(MAPS.length()))
                    : o.startsWith(WRITES) ? Path.of(o.substring(WRITES.length()).replaceFirst("\\.[0-9]+\\.tmp$", ""))
                    : null;
            if (p != null && p.getFileName() != null && p.getFileName().toString().startsWith("launch-")) {
                launchArchive = p;                                 // the launcher's: replaced below
            } else if (!writesArchive(o)) {
                kept.add(o);
            }
        }
        if (launchArchive != null && command.matches("[a-z][a-z0-9-]*")) {   // as the launcher names archives
            Path theirs = launchArchive.resolveSibling(command + launchArchive.getFileName().toString().substring("launch".length()));
            if (Files.isRegularFile(theirs)) {
                kept.add(0, MAPS + theirs);
            }
        }
        return kept;
    }
}
