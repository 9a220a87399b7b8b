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
 * the model) keeps one thread busy for ~2.5-3 s. {@link #compile} uses that time: a daemon thread runs one
 * made-up head's attention forward and backward and one sequence's LayerNorm, GELU, cross-entropy and sums
 * ({@link KernelRounds}) until the rounds run at compiled speed or {@link #stop} is called, which the trainer
 * does before its first step and the GEMM peak measurement before it measures. The results are thrown away;
 * nothing the run computes depends on it.
 *
 * <p>What C2 makes of these loops depends on the branches taken and the head size (the vector loops' tails),
 * not on how many rows there are, so a round takes at most {@value #MAX_ROWS} rows, and {@code quill train}
 * starts on {@link ModelSizes#SMALL} before its config is read and switches to the run's sizes when it is. It
 * starts only where the Vector API kernels can run ({@code --add-modules jdk.incubator.vector}, not {@code
 * -Dquill.vector=off} or {@code -Dquill.kernels=nd4j}); {@code -Dquill.warmup=off} turns it off,
 * {@code =attention} leaves the scalar kernels out. It does not touch ND4J, so it can start before ND4J loads.
 */
public final class Warmup {

    /**
     * The sizes and branches of the model to compile for.
     *
     * @param blockSize the block size
     * @param nEmbd     n_embd
     * @param nHead     n_head (dividing n_embd)
     * @param hidden    the MLP's width
     * @param vocab     the vocabulary size
     * @param geluTanh  GELU's tanh form (else the exact one)
     * @param dropout   the dropout probability (above 0: the masked branch is compiled too)
     */
    public record ModelSizes(int blockSize, int nEmbd, int nHead, int hidden, int vocab, boolean geluTanh,
                             double dropout) {

        /** The baby model's sizes, to start on before a config is read. */
        public static final ModelSizes SMALL = new ModelSizes(64, 128, 4, 512, 65, false, 0.0);

        boolean valid() {
            return blockSize >= 1 && nHead >= 1 && nEmbd >= nHead && hidden >= 1 && vocab >= 1;
        }
    }

    /** Rows of a round: the attention head's and the scalar kernels' (the code compiled is the same for more). */
    static final int MAX_ROWS = 64;
    private static final long MAX_NANOS = 5_000_000_000L;     // a bound, should nobody call stop()
    private static volatile boolean stopped;
    private static volatile ModelSizes wanted;                // what compile() asked for last
    private static volatile ModelSizes running;               // what the thread's rounds run now
    private static Thread thread;
    private static boolean done;                              // the thread has ended (under the class's lock)
    private static long start;

    private Warmup() {
    }

    /**
     * Starts compiling the kernels for {@code sizes} on a background thread, when the Vector API kernels may
     * run here; never after {@link #stop}. While the thread runs, a later call switches it to the new sizes;
     * once it has finished, a call with other sizes starts it again.
     *
     * @param sizes the model's sizes (invalid ones, such as n_head 0, are ignored)
     */
    public static synchronized void compile(ModelSizes sizes) {
        if (stopped || !sizes.valid() || !Kernels.vectorRequested() || "off".equals(System.getProperty("quill.warmup"))) {
            return;
        }
        if (!sizes.equals(wanted)) {                             // equal sizes keep the object: the thread
            wanted = sizes;                                      // compares by identity to see a switch
        }
        if (thread != null && (!done || sizes.equals(running))) {
            return;                                              // running (it picks up the new sizes), or done with these
        }
        if (thread == null) {
            start = System.nanoTime();
        }
        done = false;
        boolean scalarKernels = !"attention".equals(System.getProperty("quill.warmup"));
        thread = new Thread(() -> run(scalarKernels), "quill-warmup");
        thread.setDaemon(true);
        thread.start();
    }

    private static void run(boolean scalarKernels) {
        try {
            while (!stopped && System.nanoTime() - start < MAX_NANOS) {
                ModelSizes m = wanted;
                running = m;
                int rows = Math.min(m.blockSize(), MAX_ROWS);
                Runnable more = scalarKernels ? new KernelRounds(rows, m.nEmbd(), m.hidden(), m.vocab(), m.geluTanh())
                        : () -> { };
                VectorAttention.warmUp(rows, m.nEmbd() / m.nHead(), m.dropout() > 0, more,
                        () -> stopped || System.nanoTime() - start > MAX_NANOS || wanted != m);
                synchronized (Warmup.class) {
                    if (wanted == m) {                           // compiled (or stopped, or out of time)
                        done = true;
                        break;
                    }
                }
            }
            log().debug("warm-up ran {} ms", (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException | LinkageError e) {
            log().debug("warm-up stopped: {}", e.toString());  // costs only the head start
        } finally {
            synchronized (Warmup.class) {
                done = true;
            }
        }
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

    /** {@return the sizes the thread's rounds run at now (or ran at last), or null} */
    static ModelSizes running() {
        return running;
    }

    /** Ends any thread, then forgets the start and the stop, so that a test can start one again. */
    static void reset() {
        stop();
        Thread t;
        synchronized (Warmup.class) {
            t = thread;
        }
        if (t != null) {
            try {
                t.join();                                        // a round is short: at most MAX_ROWS rows
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (Warmup.class) {
            thread = null;
            done = false;
            wanted = null;
            running = null;
            stopped = false;
        }
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
