package dev.quill.autograd;

import static dev.quill.autograd.CompilerActivity.BUSY_NANOS;
import static dev.quill.autograd.CompilerActivity.HOLD_NANOS;
import static dev.quill.autograd.CompilerActivity.WINDOW_NANOS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CompilerActivity} on a CPU time the test sets, its /proc reader, and the polling setting of {@link Parallel}. */
class CompilerActivityTest {

    @TempDir
    Path dir;

    @Test
    void busyWhileTheCompilersRunThenQuietOnceTheHoldHasPassed() {
        AtomicLong cpu = new AtomicLong(5_000_000_000L);
        CompilerActivity jit = new CompilerActivity(cpu::get);
        long t = 0;
        assertThat(jit.recent(t)).as("the first look: nothing to compare with").isTrue();
        cpu.addAndGet(BUSY_NANOS);
        assertThat(jit.recent(t += WINDOW_NANOS)).as("a busy window").isTrue();
        cpu.addAndGet(BUSY_NANOS - 1);                               // a small C1 compilation
        assertThat(jit.recent(t += WINDOW_NANOS)).as("within the hold").isTrue();
        long lastBusy = t - WINDOW_NANOS;
        while (t + WINDOW_NANOS - lastBusy < HOLD_NANOS) {
            assertThat(jit.recent(t += WINDOW_NANOS)).as("at %d ms after the busy window", (t - lastBusy) / 1_000_000).isTrue();
        }
        assertThat(jit.recent(t += WINDOW_NANOS)).as("the hold has passed").isFalse();
        cpu.addAndGet(3 * BUSY_NANOS);
        assertThat(jit.recent(t += WINDOW_NANOS)).as("compiling again").isTrue();
    }

    @Test
    void readsTheCpuTimeAtMostOncePerWindow() {
        AtomicInteger reads = new AtomicInteger();
        CompilerActivity jit = new CompilerActivity(() -> {
            reads.incrementAndGet();
            return 0;
        });
        jit.recent(0);
        jit.recent(WINDOW_NANOS / 2);
        jit.recent(WINDOW_NANOS - 1);
        assertThat(reads.get()).isEqualTo(1);
        jit.recent(WINDOW_NANOS);
        assertThat(reads.get()).isEqualTo(2);
    }

    @Test
    void anUnknownCpuTimeCountsAsBusy() {
        CompilerActivity jit = new CompilerActivity(() -> -1);
        for (long t = 0; t < 2 * HOLD_NANOS; t += WINDOW_NANOS) {
            assertThat(jit.recent(t)).isTrue();
        }
    }

    @Test
    void schedstatsFirstFieldIsTheRuntimeAndAnEndedThreadCountsZero() throws Exception {
        Path stat = Files.writeString(dir.resolve("schedstat"), "1658387 0 1\n");
        assertThat(CompilerActivity.CompilerThreads.runtimeNanos(stat)).isEqualTo(1_658_387L);
        assertThat(CompilerActivity.CompilerThreads.runtimeNanos(dir.resolve("gone"))).isZero();
    }

    @Test
    void thisJvmsCompilerThreadsAreFoundAndTheirTimeOnlyGrows() {
        assumeTrue(Files.isReadable(Path.of("/proc/self/task")), "skipped: no /proc (not Linux)");
        CompilerActivity.CompilerThreads threads = new CompilerActivity.CompilerThreads();
        long first = threads.getAsLong();
        assumeTrue(first >= 0, "skipped: no C1/C2 compiler threads here (an interpreter-only JVM?)");
        assertThat(first).as("the compiler threads have run: this test's classes were compiled").isPositive();
        assertThat(threads.getAsLong()).isGreaterThanOrEqualTo(first);
    }

    @Test
    void thePollingSettingIsMicrosecondsWithinItsRange() {
        assertThat(Parallel.quietSpinNanos(null)).isEqualTo(1_000_000);
        assertThat(Parallel.quietSpinNanos("100")).isEqualTo(100_000);
        assertThat(Parallel.quietSpinNanos(" 0 ")).isZero();
        for (String bad : new String[] {"-1", "100001", "1ms", "1.5"}) {
            assertThatThrownBy(() -> Parallel.quietSpinNanos(bad)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("quill.poll.idle.us").hasMessageContaining(bad).hasMessageContaining("0 to 100000");
        }
    }
}
