package dev.quill.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.data.TestData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quill launch} as a real process with two workers on loopback: when one worker is killed (kill -9),
 * the launcher ends the other and exits non-zero within 60 seconds, leaving no worker behind.
 */
class LaunchTest {

    @Test
    void aKilledWorkerEndsTheWholeLaunchWithinSixtySeconds(@TempDir Path dir) throws Exception {
        Path text = dir.resolve("text.txt");
        Files.writeString(text, TestData.excerpt().substring(0, 20_000));
        Path out = dir.resolve("run");
        Path log = dir.resolve("launch.log");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0", "-cp", cp, Main.class.getName(),
                "launch", "--nproc", "2", "--", "train", "--config", CliTest.PRESETS, "--data", text.toString(),
                "--out", out.toString(), "--set", "model.n_layer=1", "--set", "model.n_embd=32", "--set", "model.block_size=16",
                "--set", "train.batch_size=4", "--set", "train.max_iters=1000000", "--set", "train.eval_interval=0",
                "--set", "train.log_interval=1");
        Map<String, String> env = pb.environment();
        env.put("QUILL_THREADS", "1");
        env.put("OMP_NUM_THREADS", "1");
        env.put("OPENBLAS_NUM_THREADS", "1");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process launcher = pb.start();
        List<ProcessHandle> workers = List.of();
        try {
            Path metrics = out.resolve("metrics.jsonl");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
            while (!(Files.exists(metrics) && Files.size(metrics) > 0)) {   // both workers are past their first step
                assertThat(launcher.isAlive()).as("the launch ended early: %s", Files.readString(log)).isTrue();
                assertThat(System.nanoTime()).as("no step within 150 s: %s", Files.readString(log)).isLessThan(deadline);
                Thread.sleep(200);
            }
            workers = launcher.toHandle().children().toList();
            assertThat(workers).hasSize(2);

            workers.get(1).destroyForcibly();                               // SIGKILL, as the OOM killer would
            long killed = System.nanoTime();
            assertThat(launcher.waitFor(60, TimeUnit.SECONDS)).as("the launch ends within 60 s: %s", Files.readString(log))
                    .isTrue();
            double seconds = (System.nanoTime() - killed) / 1e9;
            assertThat(launcher.exitValue()).as(Files.readString(log)).isNotZero();
            for (ProcessHandle w : workers) {
                w.onExit().get(10, TimeUnit.SECONDS);
                assertThat(w.isAlive()).isFalse();
            }
            assertThat(seconds).isLessThan(60);
            String said = Files.readString(log);
            assertThat(said).as("Gloo's connection lines are left out").doesNotContain("[Gloo] Rank");
            assertThat(said).as("the surviving worker's error is relayed").containsPattern("\\[rank 0\\] .*a peer died or hangs");
        } finally {
            workers.forEach(ProcessHandle::destroyForcibly);
            launcher.descendants().forEach(ProcessHandle::destroyForcibly);
            launcher.destroyForcibly();
        }
    }

    @Test
    void onlyGlooLinesThatSayAllPeersConnectedAreLeftOut() {
        assertThat(LaunchCommand.glooChatter("[Gloo] Rank 1 is connected to 1 peer ranks. Expected number of connected peer ranks is : 1"))
                .isTrue();
        assertThat(LaunchCommand.glooChatter("[Gloo] Rank 0 is connected to 2 peer ranks. Expected number of connected peer ranks is : 3"))
                .as("fewer peers than expected is news").isFalse();
        assertThat(LaunchCommand.glooChatter("[Gloo] Rank 0: Connection closed by peer [127.0.0.1]:4242")).isFalse();
        assertThat(LaunchCommand.glooChatter("step 1: train loss 4.17")).isFalse();
    }

    @Test
    void eachWorkerSeesOneGpu() {
        assertThat(LaunchCommand.gpuFor(1, null)).isEqualTo("1");
        assertThat(LaunchCommand.gpuFor(1, "4,5,6")).isEqualTo("5");
        assertThat(LaunchCommand.gpuFor(2, "4,5")).as("too few GPUs listed: the list as it is").isEqualTo("4,5");
    }
}
