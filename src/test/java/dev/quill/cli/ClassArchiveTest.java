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
 * succeeded, keeps the archive's folder in place for the JVM to write into, and the workers of {@code quill
 * launch} write no archive and map their command's.
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
        ClassArchive.beforeExit(QuillCommand.OK);
        assertThat(marker).exists();
    }

    @Test
    void aFailedOrInterruptedCommandWritesNone() {
        Path marker = dir.resolve("train.jsa.123.tmp.ok");
        System.setProperty(ClassArchive.MARKER_PROPERTY, marker.toString());
        for (int code : new int[] {QuillCommand.FAILED, QuillCommand.BAD_INPUT, QuillCommand.INTERRUPTED, QuillCommand.TERMINATED}) {
            ClassArchive.beforeExit(code);
        }
        assertThat(marker).doesNotExist();
    }

    @Test
    void theArchivesFolderIsMadeAgainIfItWasDeleted() {
        Path gone = dir.resolve("cds");                    // as after mvn clean during the run
        System.setProperty(ClassArchive.MARKER_PROPERTY, gone.resolve("train.jsa.123.tmp.ok").toString());
        ClassArchive.beforeExit(QuillCommand.BAD_INPUT);
        assertThat(gone).isDirectory();
        assertThat(gone.resolve("train.jsa.123.tmp.ok")).doesNotExist();
    }

    @Test
    void workersRecordNoAotCacheButMapTheUsersOwn() {
        List<String> user = List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=/tmp/q.aotconf", "-XX:AOTCacheOutput=/tmp/q.aot",
                "-XX:AOTCache=/tmp/mine.aot", "-XX:AOTMode=auto", "-Xmx4g");
        assertThat(ClassArchive.forWorkers(user, "train")).containsExactly("-XX:AOTCache=/tmp/mine.aot", "-XX:AOTMode=auto", "-Xmx4g");
    }

    @Test
    void workersWriteNoArchive() {
        List<String> launcher = List.of("-Xmx4g", "-XX:ArchiveClassesAtExit=" + dir.resolve("launch-25.jsa.9.tmp"),
                "-Dquill.cds.ok=" + dir.resolve("launch-25.jsa.9.tmp.ok"), "-XX:+AutoCreateSharedArchive", "-Dquill.threads=2");
        assertThat(ClassArchive.forWorkers(launcher, "train")).containsExactly("-Xmx4g", "-Dquill.threads=2");
    }

    @Test
    void workersMapTheirCommandsArchiveWhereOneExists() throws Exception {
        List<String> launcher = List.of("-XX:SharedArchiveFile=" + dir.resolve("launch-25.0.3+9.jsa"), "-Xmx4g");
        assertThat(ClassArchive.forWorkers(launcher, "train")).containsExactly("-Xmx4g");   // no train archive yet
        Files.writeString(dir.resolve("train-25.0.3+9.jsa"), "archive");
        assertThat(ClassArchive.forWorkers(launcher, "train"))
                .containsExactly("-XX:SharedArchiveFile=" + dir.resolve("train-25.0.3+9.jsa"), "-Xmx4g");
        assertThat(ClassArchive.forWorkers(launcher, "../train")).containsExactly("-Xmx4g");   // not a command's name
        List<String> writing = List.of("-XX:ArchiveClassesAtExit=" + dir.resolve("launch-25.0.3+9.jsa.4242.tmp"), "-Xmx4g");
        assertThat(ClassArchive.forWorkers(writing, "train"))                              // the launcher's first run
                .containsExactly("-XX:SharedArchiveFile=" + dir.resolve("train-25.0.3+9.jsa"), "-Xmx4g");
    }

    @Test
    void anArchiveOfTheUsersOwnIsKept() {
        List<String> launcher = List.of("-XX:SharedArchiveFile=/home/me/app.jsa", "-Xmx4g");
        assertThat(ClassArchive.forWorkers(launcher, "train")).containsExactly("-XX:SharedArchiveFile=/home/me/app.jsa", "-Xmx4g");
    }
}
