package dev.quill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Java side of the launcher's class archive: a run marks its archive as worth keeping only when its command
 * succeeded, and the workers of {@code quill launch} do not write archives of their own.
 */
class ClassArchiveTest {

    @TempDir
    Path dir;

    @AfterEach
    void clearProperty() {
        System.clearProperty(ClassArchive.MARKER_PROPERTY);
    }

    @Test
    void aSuccessfulCommandWritesTheMarker() {
        Path marker = dir.resolve("train.jsa.123.tmp.ok");
        System.setProperty(ClassArchive.MARKER_PROPERTY, marker.toString());
        ClassArchive.markSuccess(QuillCommand.OK);
        assertThat(marker).exists();
    }

    @Test
    void aFailedOrInterruptedCommandWritesNone() {
        Path marker = dir.resolve("train.jsa.123.tmp.ok");
        System.setProperty(ClassArchive.MARKER_PROPERTY, marker.toString());
        for (int code : new int[] {QuillCommand.FAILED, QuillCommand.BAD_INPUT, QuillCommand.INTERRUPTED, QuillCommand.TERMINATED}) {
            ClassArchive.markSuccess(code);
        }
        assertThat(marker).doesNotExist();
    }

    @Test
    void withoutThePropertyNothingIsWritten() throws Exception {
        ClassArchive.markSuccess(QuillCommand.OK);
        try (var files = Files.list(dir)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void workersKeepMappingButNotWriting() {
        List<String> launcher = List.of("-Xmx4g", "-XX:ArchiveClassesAtExit=/x/train.jsa.9.tmp",
                "-Dquill.cds.ok=/x/train.jsa.9.tmp.ok", "-XX:+AutoCreateSharedArchive",
                "-XX:SharedArchiveFile=/x/launch.jsa", "-Dquill.threads=2");
        assertThat(ClassArchive.forWorkers(launcher))
                .containsExactly("-Xmx4g", "-XX:SharedArchiveFile=/x/launch.jsa", "-Dquill.threads=2");
    }
}
