package dev.quill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The launcher's QUILL_BLAS setting is checked before anything is built or started: a value it does not know,
 * or MKL asked for with the CUDA backend, ends with one line and exit 2.
 */
class LauncherBlasTest {

    private static String[] run(String blas, String backend) throws Exception {
        Path launcher = Path.of("quill").toAbsolutePath();
        Assumptions.assumeTrue(Files.isRegularFile(launcher) && Files.isExecutable(Path.of("/bin/bash")));
        ProcessBuilder pb = new ProcessBuilder("/bin/bash", launcher.toString(), "--version").redirectErrorStream(true);
        pb.environment().put("QUILL_BLAS", blas);
        pb.environment().put("QUILL_BACKEND", backend);
        Process p = pb.start();
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the launcher did not exit within 30 s");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return new String[] {Integer.toString(p.exitValue()), out};
    }

    @Test
    void anUnknownLibraryIsOneLineAndExitTwo() throws Exception {
        String[] r = run("atlas", "cpu");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).isEqualTo("quill: QUILL_BLAS=atlas must be auto, openblas or mkl");
    }

    @Test
    void mklWithTheCudaBackendIsRefused() throws Exception {
        String[] r = run("mkl", "cuda");
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[1]).isEqualTo("quill: QUILL_BLAS=mkl runs on the CPU backend only");
    }
}
