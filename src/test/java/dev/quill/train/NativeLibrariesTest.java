package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The first-load lock holds across processes: while another JVM is inside {@link NativeLibraries#underLock},
 * this one's load waits, and it runs as soon as the other leaves. (Two JVMs unpacking libtorch into one empty
 * cache at once crashed one of them; reproducing that takes a minute of unpacking, so it is not a test.)
 */
class NativeLibrariesTest {

    /** Holds the lock of the file in args[0] until its input closes (or two minutes pass). */
    public static final class Holder {
        public static void main(String[] args) {
            NativeLibraries.underLock(Path.of(args[0]), () -> {
                System.out.println("locked");
                System.out.flush();
                long end = System.nanoTime() + 120_000_000_000L;
                try {
                    while (System.in.read() >= 0 && System.nanoTime() < end) {
                        // hold until the test closes our input
                    }
                } catch (java.io.IOException e) {
                    // the test is gone
                }
                return null;
            });
        }
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void aLoadWaitsForAnotherProcessInsideTheLock(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(".quill-unpack.lock");
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process holder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp", cp,
                Holder.class.getName(), file.toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
            assertThat(CompletableFuture.supplyAsync(() -> {
                try {
                    return out.readLine();
                } catch (java.io.IOException e) {
                    return null;
                }
            }).get(60, TimeUnit.SECONDS)).isEqualTo("locked");

            AtomicLong ranAt = new AtomicLong();
            Thread mine = new Thread(() -> NativeLibraries.underLock(file, () -> {
                ranAt.set(System.nanoTime());
                return null;
            }));
            mine.start();
            mine.join(1500);
            assertThat(ranAt.get()).as("the load ran while the other process held the lock").isZero();

            long released = System.nanoTime();
            holder.getOutputStream().close();                  // the holder leaves the lock and exits
            mine.join(30_000);
            assertThat(ranAt.get()).as("the load ran once the lock was free").isGreaterThan(released);
        } finally {
            holder.destroyForcibly();
        }
    }

    @Test
    void aNestedCallDoesNotWaitForItself(@TempDir Path dir) {
        Path file = dir.resolve("lock");
        int inner = NativeLibraries.underLock(file, () -> NativeLibraries.underLock(file, () -> 42));
        assertThat(inner).isEqualTo(42);
    }
}
