package dev.quill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The launcher's on/off settings (QUILL_CDS, QUILL_HUGEPAGES, QUILL_VECTOR) are checked before anything is
 * built or started: a value other than on or off ends with one line and exit 2. (That the class archive is
 * made and used, with stdout left to the command, is checked by .ci/run once the jar is built.)
 */
class LauncherSettingsTest {

    @ParameterizedTest
    @CsvSource({"QUILL_CDS, yes", "QUILL_HUGEPAGES, 1", "QUILL_VECTOR, no"})
    void anUnknownValueIsOneLineAndExitTwo(String setting, String value) throws Exception {
        Path launcher = Path.of("quill").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(launcher) && Files.isExecutable(Path.of("/bin/bash")));
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", launcher.toString(), "--version").redirectErrorStream(true);
        pb.environment().put(setting, value);
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not exit within 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(out).isEqualTo("quill: " + setting + "=" + value + " must be on or off");
    }
}
