package dev.quill.autograd;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Whether the JIT's compiler threads ran lately. Every {@link #WINDOW_NANOS} it reads their CPU time; a window
 * in which they ran {@link #BUSY_NANOS} or more counts as busy, and the answer stays yes for {@link #HOLD_NANOS}
 * after the last busy window (compilations come in bursts while a run warms up).
 *
 * <p>{@link Parallel}'s idle workers ask it how long to poll for their next task. A polling worker holds a core:
 * while the compiler threads need one (a run's first few hundred steps, on a machine with few cores) it polls
 * briefly; once they are quiet it polls longer and catches the next task without being woken.
 *
 * <p>The CPU time comes from Linux's {@code /proc/self/task/TID/schedstat} of the threads named
 * {@code C1 CompilerThre...} and {@code C2 CompilerThre...} (the JVM's names, cut to 15 characters). Where it
 * cannot be read, the answer is always yes: the brief polling.
 */
final class CompilerActivity {

    /** How often the CPU time is read. */
    static final long WINDOW_NANOS = 20_000_000;
    /** Compiler CPU time in a window that counts as busy (a few small C1 compilations do not). */
    static final long BUSY_NANOS = 1_000_000;
    /** How long the answer stays yes after a busy window. */
    static final long HOLD_NANOS = 200_000_000;
    private static final CompilerActivity JVM = new CompilerActivity(new CompilerThreads());

    private final LongSupplier cpuNanos;   // the compiler threads' CPU time so far, -1 when unknown
    private volatile long checkedAt = Long.MIN_VALUE / 2;
    private volatile long lastNanos = -1;
    private volatile long busyAt;
    private volatile boolean recent = true;

    /** @param cpuNanos the compiler threads' total CPU time so far in nanoseconds, or -1 when unknown */
    CompilerActivity(LongSupplier cpuNanos) {
        this.cpuNanos = cpuNanos;
    }

    /** {@return true when this JVM's compiler threads ran lately (see {@link #recent})} */
    static boolean jitRecentlyActive(long now) {
        return JVM.recent(now);
    }

    /**
     * Workers may call this at once: at worst two of them read the CPU time in the same window.
     *
     * @param now {@link System#nanoTime()}
     * @return true when a window within the last {@link #HOLD_NANOS} was busy, or the CPU time is unknown
     */
    boolean recent(long now) {
        if (now - checkedAt >= WINDOW_NANOS) {
            checkedAt = now;
            long total = cpuNanos.getAsLong();
            if (total < 0 || lastNanos < 0 || total - lastNanos >= BUSY_NANOS) {
                busyAt = now;                                    // the first read has nothing to compare with
            }
            lastNanos = total;
            recent = now - busyAt < HOLD_NANOS;
        }
        return recent;
    }

    /** The compiler threads' CPU time from /proc; the threads are looked up again every second (they come and go). */
    static final class CompilerThreads implements LongSupplier {
        private static final Path TASKS = Path.of("/proc/self/task");
        private static final long RESCAN_NANOS = 1_000_000_000L;
        private List<Path> stats = List.of();
        private long scannedAt = Long.MIN_VALUE / 2;
        private boolean unreadable;

        @Override
        public synchronized long getAsLong() {
            if (unreadable) {
                return -1;
            }
            try {
                long now = System.nanoTime();
                if (now - scannedAt >= RESCAN_NANOS) {
                    stats = scan();
                    scannedAt = now;
                }
                long sum = 0;
                for (Path p : stats) {
                    sum += runtimeNanos(p);
                }
                return stats.isEmpty() ? -1 : sum;
            } catch (IOException | RuntimeException e) {
                unreadable = true;   // no /proc (not Linux), or a format not known here: brief polling from now on
                return -1;
            }
        }

        private static List<Path> scan() throws IOException {
            List<Path> found = new ArrayList<>();
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
                for (Path task : tasks) {
                    String name;
                    try {
                        name = Files.readString(task.resolve("comm"), StandardCharsets.ISO_8859_1);
                    } catch (NoSuchFileException gone) {
                        continue;                                // the thread ended while we listed
                    }
                    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
                        found.add(task.resolve("schedstat"));
                    }
                }
            }
            return found;
        }

        /** @return the first field of a schedstat file (nanoseconds on a CPU); 0 for a thread that has ended */
        static long runtimeNanos(Path schedstat) throws IOException {
            String s;
            try {
                s = Files.readString(schedstat, StandardCharsets.ISO_8859_1);
            } catch (NoSuchFileException gone) {
                return 0;
            }
            int end = s.indexOf(' ');
            return Long.parseLong((end < 0 ? s : s.substring(0, end)).trim());
        }
    }
}
