package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.quill.config.BadInputException;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One run per directory, between threads of one JVM and between processes, and after a kill -9. */
class RunLockTest {

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** Starts a JVM on the test class path running {@code main} with {@code args}. */
    static Process jvm(Class<?> main, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of(java(), "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(List.of(args));
        return new ProcessBuilder(cmd).redirectErrorStream(false).start();
    }

    @Test
    void aSecondLockInTheSameProcessIsRefusedUntilTheFirstIsClosed(@TempDir Path dir) throws Exception {
        try (RunLock first = RunLock.acquire(dir)) {
            assertThatThrownBy(() -> RunLock.acquire(dir)).isInstanceOf(BadInputException.class)
                    .hasMessageStartingWith(dir + " is in use by another run (this process, pid " + ProcessHandle.current().pid());
            try (RunLock rank1 = RunLock.acquire(dir, 1)) {
                assertThat(rank1).as("other ranks take no lock").isNotNull();
            }
        }
        try (RunLock again = RunLock.acquire(dir)) {
            assertThat(Files.readString(dir.resolve(RunLock.FILE))).contains("\"pid\":" + ProcessHandle.current().pid());
        }
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void anotherProcessIsRefusedNamingTheHolderAndAKilledHolderBlocksNothing(@TempDir Path dir) throws Exception {
        Process holder = jvm(RunLockHolder.class, dir.toString());
        Process cli = null;
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            String first = CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    return null;
                }
            }).get(60, TimeUnit.SECONDS);
            assertThat(first).isEqualTo("locked");
            long pid = holder.pid();
            assertThatThrownBy(() -> RunLock.acquire(dir)).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("(pid " + pid + " on ");

            // the command line in a third process: exit 2 and one line naming the holder
            cli = jvm(dev.quill.cli.Main.class, "train", "--config", presets(), "--out", dir.toString(), "--set", "train.max_iters=1");
            assertThat(cli.waitFor(90, TimeUnit.SECONDS)).as("the refused command ends").isTrue();
            String err = new String(cli.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(cli.exitValue()).as(err).isEqualTo(2);
            assertThat(err.strip().lines().toList()).as(err).hasSize(1);
            assertThat(err).startsWith("quill: " + dir + " is in use by another run (pid " + pid + " on ");

            holder.destroyForcibly();                               // SIGKILL: no chance to release anything
            assertThat(holder.waitFor(30, TimeUnit.SECONDS)).isTrue();
            try (RunLock next = RunLock.acquire(dir)) {
                assertThat(Files.readString(dir.resolve(RunLock.FILE))).contains("\"pid\":" + ProcessHandle.current().pid());
            }
        } finally {
            holder.destroyForcibly();
            if (cli != null) {
                cli.destroyForcibly();
            }
        }
    }

    /** A run config with no sections (the presets): {@code train} needs a --config. */
    static String presets() {
        try {
            return java.nio.file.Path.of(RunLockTest.class.getResource("/presets.json").toURI()).toString();
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
