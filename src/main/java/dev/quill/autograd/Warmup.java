package dev.quill.autograd;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compiles a training step's Java kernels before the first step, on the core that start-up leaves idle.
 *
 * <p>Until the JIT's optimizing compiler (C2) has compiled a loop, it runs in the interpreter or in C1's code,
 * and C2 then takes a core from the step while it compiles. The Vector API loops of the attention kernel
 * ({@code VectorAttention}) are the worst: they run as Java objects, tens of times slower than scalar code,
 * until a few hundred heads have passed; in a cold baby run the first step took ~1.3 s, ~0.9 s of it attention.
 * Start-up before that step (reading the config, loading ND4J's native libraries, reading the data, building
 * the model) keeps one thread busy for ~2.5 s. {@link #compile} uses that time: a daemon thread runs one
 * made-up head's attention forward and backward and one sequence's LayerNorm, GELU, cross-entropy and sums
 * ({@link KernelRounds}) until the rounds run at compiled speed or {@link #stop} is called, which the trainer
 * does before its first step and the GEMM peak measurement before it measures. The results are thrown away;
 * nothing the run computes depends on it.
 *
 * <p>The code C2 makes does not depend on the sizes, only on which branches run, so {@code quill train} starts
 * on {@link Shape#SMALL} before its config is read and switches to the run's shape when it is. It starts only
 * where the Vector API kernels can run ({@code --add-modules jdk.incubator.vector}, not {@code
 * -Dquill.vector=off} or {@code -Dquill.kernels=nd4j}); {@code -Dquill.warmup=off} turns it off,
 * {@code =attention} leaves the scalar kernels out. It does not touch ND4J, so it can start before ND4J loads.
 */
public final class Warmup {

    /**
     * The sizes and branches to compile for.
     *
     * @param t        the block size
     * @param nEmbd    n_embd
     * @param nHead    n_head (dividing n_embd)
     * @param hidden   the MLP's width
     * @param vocab    the vocabulary size
     * @param geluTanh GELU's tanh form (else the exact one)
     * @param dropout  the dropout probability (above 0: the masked branch is compiled too)
     */
    public record Shape(int t, int nEmbd, int nHead, int hidden, int vocab, boolean geluTanh, double dropout) {

        /** The baby model's shape, to start on before a config is read. */
        public static final Shape SMALL = new Shape(64, 128, 4, 512, 65, false, 0.0);

        boolean valid() {
            return t >= 1 && nHead >= 1 && nEmbd >= nHead && hidden >= 1 && vocab >= 1;
        }
    }

    private static final long MAX_NANOS = 5_000_000_000L;     // a bound, should nobody call stop()
    private static volatile boolean stopped;
    private static volatile Shape shape;
    private static Thread thread;

    private Warmup() {
    }

    /**
     * Starts compiling the kernels for {@code s} on a background thread, when the Vector API kernels may run
     * here; at most one thread per process, never after {@link #stop}. While it runs, a later call switches
     * it to the new shape.
     *
     * @param s the shape (an invalid one, such as n_head 0, is ignored)
     */
    public static synchronized void compile(Shape s) {
        if (stopped || !s.valid() || !Kernels.vectorRequested() || "off".equals(System.getProperty("quill.warmup"))) {
            return;
        }
        if (!s.equals(shape)) {
            shape = s;
        }
        if (thread != null) {
            return;
        }
        long start = System.nanoTime();
        boolean kernels = !"attention".equals(System.getProperty("quill.warmup"));
        thread = new Thread(() -> {
            try {
                Shape now = shape;
                while (true) {
                    Shape at = now;
                    Runnable rounds = kernels ? new KernelRounds(at.t(), at.nEmbd(), at.hidden(), at.vocab(), at.geluTanh())
                            : () -> { };
                    VectorAttention.warmUp(at.t(), at.nEmbd() / at.nHead(), at.dropout() > 0, rounds,
                            () -> stopped || System.nanoTime() - start > MAX_NANOS || shape != at);   // switched
                    now = shape;
                    if (now == at || stopped || System.nanoTime() - start > MAX_NANOS) {
                        break;                                   // compiled, stopped, or out of time
                    }
                }
                log().debug("warm-up ran {} ms", (System.nanoTime() - start) / 1_000_000);
            } catch (RuntimeException | LinkageError e) {
                log().debug("warm-up stopped: {}", e.toString());  // costs only the head start
            }
        }, "quill-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    // fetched when the thread ends, not when this class loads: the first logger sets up the logging backend
    // (~0.4 s in quill train), which would delay the thread's start by as much
    private static Logger log() {
        return LoggerFactory.getLogger(Warmup.class);
    }

    /** {@return the warm-up thread started by {@link #compile}, or null} */
    static synchronized Thread thread() {
        return thread;
    }

    /** {@return the shape the warm-up compiles for now, or null} */
    static Shape shape() {
        return shape;
    }

    /** Forgets an earlier start and stop, so that a test can start one again. */
    static synchronized void reset() {
        thread = null;
        shape = null;
        stopped = false;
    }

    /** Ends the warm-up (if any) and waits for its current round to finish, so it takes no core from the step. */
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
