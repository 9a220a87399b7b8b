package dev.quill.autograd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles the attention kernel before the first training step, on the core that start-up leaves idle.
 *
 * <p>The Vector API loops of the attention kernel ({@code VectorAttention}) run as Java objects, tens of
 * times slower than scalar code, until the JIT's optimizing compiler (C2) has compiled them, and that takes
 * a few hundred heads: in a cold baby run the first step took ~1.3 s, ~0.9 s of it attention (its first layer
 * alone 360 ms, the fourth 16). Start-up before that step (loading ND4J's native libraries, reading the data,
 * building the model) keeps one thread busy for ~2 s. {@link #attention} uses that time: a daemon thread runs
 * one made-up head's forward and backward at the model's shape until the rounds run at compiled speed (about
 * 1 s here) or {@link #stop} is called, which the trainer does before its first step and the GEMM peak
 * measurement before it measures. The results are thrown away; nothing the run computes depends on it.
 *
 * <p>It starts only where the Vector API kernels can run ({@code --add-modules jdk.incubator.vector}, not
 * {@code -Dquill.vector=off} or {@code -Dquill.kernels=nd4j}); {@code -Dquill.warmup=off} turns it off. It does
 * not touch ND4J, so it can start before ND4J loads.
 */
public final class Warmup {

    private static final Logger LOG = LoggerFactory.getLogger(Warmup.class);
    private static final long MAX_NANOS = 5_000_000_000L;     // a bound, should nobody call stop()
    private static volatile boolean stopped;
    private static Thread thread;

    private Warmup() {
    }

    /**
     * Starts compiling the attention kernel for heads of t rows and {@code headSize} columns, when the Vector
     * API kernels may run here; at most once per process, and never after {@link #stop}.
     *
     * @param t        the model's block size
     * @param headSize n_embd / n_head
     * @param dropout  the model's dropout probability (above 0: the masked branch is compiled too)
     */
    public static synchronized void attention(int t, int headSize, double dropout) {
        if (thread != null || stopped || !Kernels.vectorRequested() || "off".equals(System.getProperty("quill.warmup"))
                || t < 1 || headSize < 1) {
            return;
        }
        long start = System.nanoTime();
        thread = new Thread(() -> {
            try {
                VectorAttention.warmUp(t, headSize, dropout > 0, () -> stopped || System.nanoTime() - start > MAX_NANOS);
                LOG.debug("attention warm-up ran {} ms", (System.nanoTime() - start) / 1_000_000);
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("attention warm-up stopped: {}", e.toString());  // costs only the head start
            }
        }, "quill-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    /** {@return the warm-up thread started by {@link #attention}, or null} */
    static synchronized Thread thread() {
        return thread;
    }

    /** Forgets an earlier start and stop, so that a test can start one again. */
    static synchronized void reset() {
        thread = null;
        stopped = false;
    }

    /** Ends the warm-up (if any) and waits for its current head to finish, so it takes no core from the step. */
    public static void stop() {
        stopped = true;
        Thread t;
        synchronized (Warmup.class) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
