package dev.quill.cli;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C during training: the JVM's shutdown hook asks the run to stop after its current step, then waits
 * (up to two minutes) until the run has written {@code last/} and returned, so no work is lost and no
 * checkpoint is left half-written. The command then exits 130.
 */
final class StopOnInterrupt {

    private StopOnInterrupt() {
    }

    /** Runs {@code body}; on Ctrl-C calls {@code requestStop} and lets {@code body} finish first. */
    static <T> T run(Runnable requestStop, Callable<T> body) throws Exception {
        CountDownLatch done = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            requestStop.run();
            try {
                done.await(120, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
        }, "quill-interrupt");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return body.call();
        } finally {
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is already exiting because of Ctrl-C
            }
        }
    }
}
