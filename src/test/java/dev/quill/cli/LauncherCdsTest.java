package dev.quill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The launcher's QUILL_CDS setting (class data sharing) is checked before anything is built or started: a
 * value other than on or off ends with one line and exit 2. (That an archive is made and used, with stdout
 * left to the command, is checked by .ci/run once the jar is built.)
 */
class LauncherCdsTest {

    @Test
    void anUnknownSettingIsOneLineAndExitTwo() throws Exception {
        Path launcher = Path.of("quill").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(launcher) && Files.isExecutable(Path.of("/bin/bash")));
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", launcher.toString(), "--version").redirectErrorStream(true);
        pb.environment().put("QUILL_CDS", "yes");
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not exit within 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).isEqualTo("quill: QUILL_CDS=yes must be on or off");
    }
}
