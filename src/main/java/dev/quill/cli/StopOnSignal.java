package dev.quill.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Ctrl-C (SIGINT) or SIGTERM during training: the run stops after its current step, writes {@code last/},
 * and the command exits 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), as a shell expects.
 *
 * <p>While the body runs, Quill handles both signals itself (through {@code sun.misc.Signal} in {@link SignalTrap}, the JDK's
 * handler API in the {@code jdk.unsupported} module): the first one asks the run to stop, any further one
 * is told to wait, so a second Ctrl-C cannot kill the JVM in the middle of writing {@code last/} (which is
 * written into a temporary directory and renamed into place, so even {@code kill -9} leaves the previous
 * checkpoint whole). A terminal sends Ctrl-C to the whole process group; the JVM is the only process in it
 * that matters, because the launcher {@code exec}s it. Other ways the JVM shuts down (SIGHUP when the
 * terminal closes) still reach a shutdown hook that stops the run and waits, up to two minutes, for
 * {@code last/}.
 */
final class StopOnSignal {

    /** The signals handled, with the exit code each gives: 128 + the signal's number. */
    enum Stopper {
        INT(QuillCommand.INTERRUPTED), TERM(QuillCommand.TERMINATED);

        final int exitCode;

        Stopper(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    private final PrintWriter err;
    private final Runnable requestStop;
    private final AtomicReference<Stopper> received = new AtomicReference<>();

    private StopOnSignal(PrintWriter err, Runnable requestStop) {
        this.err = err;
        this.requestStop = requestStop;
    }

    /**
     * Runs {@code body}; on SIGINT or SIGTERM calls {@code requestStop} once and lets {@code body} finish.
     *
     * @param err         where the signal is acknowledged, one line each
     * @param requestStop asks the run to stop after its current step
     * @param body        the run
     * @param <T>         the body's result
     * @return the body's result and the signal that stopped it (null for none)
     * @throws Exception what the body throws
     */
    static <T> Outcome<T> run(PrintWriter err, Runnable requestStop, Callable<T> body) throws Exception {
        return new StopOnSignal(err, requestStop).call(body);
    }

    /**
     * A run's result and the signal that stopped it.
     *
     * @param result the body's result
     * @param signal the first signal received, or null
     * @param <T>    the body's result type
     */
    record Outcome<T>(T result, Stopper signal) {
        /** {@return the exit code of a run stopped by a signal: the signal's, or 130 when none was seen (a shutdown)} */
        int interruptedCode() {
            return signal == null ? QuillCommand.INTERRUPTED : signal.exitCode;
        }
    }

    private <T> Outcome<T> call(Callable<T> body) throws Exception {
        List<Runnable> restore = new ArrayList<>();
        for (Stopper s : Stopper.values()) {
            try {
                restore.add(SignalTrap.handle(s.name(), () -> onSignal(s)));
            } catch (IllegalArgumentException unavailable) {
                // the JVM keeps this signal (e.g. under -Xrs): the shutdown hook below still stops the run
            }
        }
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            requestStop.run();
            try {
                done.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "quill-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            T result = body.call();
            return new Outcome<>(result, received.get());
        } finally {
            done.countDown();
            restore.forEach(Runnable::run);
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting
            }
        }
    }

    /** Runs on the JVM's signal thread: the first signal stops the run, the others are told to wait. */
    private void onSignal(Stopper s) {
        if (received.compareAndSet(null, s)) {
            err.println();
            err.println("quill: SIG" + s.name() + ": stopping after this step and writing last/ (exit " + s.exitCode
                    + "); further signals are ignored until it is written");
            requestStop.run();
        } else {
            err.println("quill: SIG" + s.name() + ": still writing last/; it exits as soon as that is done");
        }
        err.flush();
    }
}
