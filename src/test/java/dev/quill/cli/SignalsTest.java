package dev.quill.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.quill.config.ConfigJson;
import dev.quill.data.TestData;
import dev.quill.model.Checkpoint;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals on a real process: {@code quill train} on a tiny model, started as its own JVM under a
 * pseudo-terminal ({@code script}), stopped the way a terminal or a scheduler stops it. Ctrl-C typed into
 * the terminal reaches the whole foreground process group; SIGTERM is sent twice, the second while the
 * first is being handled. Each run must finish its step, write a {@code last/} that loads, and exit 128 +
 * the signal's number.
 */
class SignalsTest {

    @TempDir
    Path dir;

    /** {@code java ... dev.quill.cli.Main train} on a tiny model that would run for a long time. */
    private List<String> train(Path out) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
                "-Dquill.threads=1", "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "train", "--config", CliTest.PRESETS, "--data", TestData.excerptPath().toString(), "--out", out.toString(),
                "--peak-gflops", "0"));
        for (String set : new String[] {"model.n_layer=1", "model.n_embd=32", "model.block_size=16", "train.batch_size=4",
            "train.max_iters=1000000", "train.eval_interval=0", "train.log_interval=1"}) {
            cmd.add("--set");
            cmd.add(set);
        }
        return cmd;
    }

    /** {@code script} runs a command on a fresh pseudo-terminal, the command's own session and process group. */
    private static Process underATerminal(String shellCommand, Path transcript) throws IOException {
        return new ProcessBuilder("script", "-qefc", shellCommand, "/dev/null")
                .redirectOutput(transcript.toFile()).redirectErrorStream(true).start();
    }

    private static String quote(List<String> args) {
        return args.stream().map(a -> "'" + a.replace("'", "'\\''") + "'").collect(Collectors.joining(" "));
    }

    private static void assumeScriptWorks() throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("script", "-qefc", "test -t 2", "/dev/null").redirectErrorStream(true).start();
        } catch (IOException e) {
            p = null;
        }
        boolean works = p != null && p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        assumeTrue(works, "skipped: needs util-linux 'script' to give the process a pseudo-terminal");
    }

    /**
     * {@return true when this JVM was started with SIGINT ignored}, as a shell without job control starts its
     * background jobs: children inherit that, so Ctrl-C cannot reach the run (a signal ignored on entry cannot
     * be handled again). Read from /proc/self/status's SigIgn mask; false where it cannot be read.
     */
    private static boolean sigintIgnoredHere() throws IOException {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return false;
        }
        for (String line : Files.readAllLines(status, StandardCharsets.ISO_8859_1)) {
            if (line.startsWith("SigIgn:")) {
                return (Long.parseUnsignedLong(line.substring("SigIgn:".length()).trim(), 16) & (1L << (2 - 1))) != 0;
            }
        }
        return false;
    }

    /** Waits until the run has logged {@code steps} metrics lines. */
    private static void awaitSteps(Path out, int steps, Process p) throws Exception {
        Path metrics = out.resolve("metrics.jsonl");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() < deadline && p.isAlive()) {
            if (Files.exists(metrics) && Files.readAllLines(metrics).size() >= steps) {
                return;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no " + steps + " steps in " + metrics + (p.isAlive() ? " within 90 s" : ": the process ended"));
    }

    private static Optional<ProcessHandle> theJvm(Process script) {
        return script.descendants().filter(h -> h.info().command().map(c -> c.endsWith("java")).orElse(false)).findFirst();
    }

    /** The run stopped after a whole step: last/ loads and says how far it got; no temporary directory is left. */
    private static void assertLastIsWhole(Path out) throws Exception {
        assertThat(Checkpoint.load(out.resolve("last")).parameterCount()).isPositive();
        long step = ConfigJson.MAPPER.readTree(out.resolve("last/trainer_state.json").toFile()).get("step").asLong();
        assertThat(step).isGreaterThanOrEqualTo(3);
        try (var files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("last", "metrics.jsonl", "run.json", "quill.lock");   // the run lock's file stays
        }
    }

    @Test
    @Timeout(150)
    void ctrlCInATerminalFinishesTheStepWritesLastAndExits130() throws Exception {
        assumeScriptWorks();
        assumeFalse(sigintIgnoredHere(), "skipped: this JVM was started with SIGINT ignored (a background job of a "
                + "shell without job control), so no child of it can be stopped by Ctrl-C");
        Path out = dir.resolve("run");
        Path transcript = dir.resolve("terminal.txt");
        Process p = underATerminal("exec " + quote(train(out)), transcript);
        try {
            awaitSteps(out, 3, p);
            p.getOutputStream().write(3);        // Ctrl-C typed at the terminal: SIGINT to the foreground process group
            p.getOutputStream().flush();
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
            String seen = Files.readString(transcript, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(seen).isEqualTo(130);
            assertThat(seen).contains("train ", "%", "SIGINT: stopping after this step", "\"stop\":\"interrupted\"");
            assertLastIsWhole(out);
            assertThat(p.descendants().count()).isZero();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    @Test
    @Timeout(150)
    void sigtermTwiceStopsCleanlyWithExit143AndPlainLinesWhenStderrIsAFile() throws Exception {
        assumeScriptWorks();
        Path out = dir.resolve("run");
        Path log = dir.resolve("train.log");
        Process p = underATerminal("exec " + quote(train(out)) + " 2> " + quote(List.of(log.toString())), dir.resolve("terminal.txt"));
        try {
            awaitSteps(out, 3, p);
            ProcessHandle jvm = theJvm(p).orElseThrow(() -> new AssertionError("no java process under script"));
            jvm.destroy();                       // SIGTERM, as a scheduler or container runtime sends it
            jvm.destroy();                       // and again, while the first one is being handled
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited within 60 s").isTrue();
            String err = Files.readString(log, StandardCharsets.UTF_8);
            assertThat(p.exitValue()).as(err).isEqualTo(143);
            assertThat(err).contains("step 3 | loss", "SIGTERM: stopping after this step").doesNotContain("\r", "\u001b[");
            assertLastIsWhole(out);
            assertThat(jvm.isAlive()).isFalse();
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }
}
