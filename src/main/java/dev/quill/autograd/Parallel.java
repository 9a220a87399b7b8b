package dev.quill.autograd;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.BooleanSupplier;
import java.util.function.IntConsumer;

/**
 * Quill's own threads. A small model's step is a chain of products and elementwise passes, each too short
 * for a multi-threaded BLAS call to pay for its hand-off (measured: the baby step got slower with two
 * OpenBLAS threads). Quill instead splits its work in two at the level it understands: a big product is
 * split by rows, a Java kernel by ranges of elements, and attention by heads, each piece single-threaded.
 * With BLAS and ND4J set to one thread (the launcher's default), this keeps every core busy without
 * oversubscribing them.
 *
 * <p>The number of threads is {@code -Dquill.threads=N} (default: the number of cores; 1 runs everything on
 * the calling thread). Work handed to a worker must not allocate ND4J arrays: ND4J's memory scopes belong to
 * the thread that opened them, so a caller allocates every output before it splits the work. A worker's own
 * call to {@link #both} or {@link #range} runs inline (no nesting, no deadlock).
 *
 * <p>Work whose result nobody needs yet can also be handed over without waiting ({@link #later}): a
 * Linear's weight gradient during the backward pass, which only the optimizer reads. A worker runs it when it
 * has nothing else to do, while the caller goes on along the pass; {@link #awaitLater} (at the end of the
 * pass, or before anything touches what the task writes) takes back what no worker has started and waits
 * for the rest. A worker takes split work before later tasks.
 */
public final class Parallel {

    private static final int THREADS = configuredThreads();
    private static final ThreadLocal<Boolean> IS_WORKER = ThreadLocal.withInitial(() -> Boolean.FALSE);
    private static final Worker[] WORKERS = startWorkers(THREADS - 1);
    // one caller at a time uses the workers; another thread that finds them taken runs its work itself
    private static final ReentrantLock POOL = new ReentrantLock();
    // how long a worker polls for its next task before it sleeps, and a caller polls for a worker to finish:
    // waking a sleeping thread costs tens to hundreds of microseconds on a VM, and a step hands work over
    // every millisecond or so
    private static final long SPIN_NANOS = 100_000;
    // tasks handed over by later(), each with the thread that handed it over
    private static final ConcurrentLinkedQueue<Pending> LATER = new ConcurrentLinkedQueue<>();
    private static final ThreadLocal<LaterCount> MY_LATER = ThreadLocal.withInitial(LaterCount::new);
    /** Pieces per thread that {@link #split} makes at most: more pieces balance a busy machine better. */
    public static final int MAX_PIECES_PER_THREAD = 2;

    /** A piece of a split range: elements {@code [from, to)}. */
    @FunctionalInterface
    public interface RangeBody {
        /**
         * @param from first element of this piece
         * @param to   one past its last element
         */
        void run(int from, int to);
    }

    private Parallel() {
    }

    private static int configuredThreads() {
        if (!Kernels.isCpuBackend()) {
            return 1; // on a GPU the device runs ops in parallel; Quill's threads would only race on its streams
        }
        String p = System.getProperty("quill.threads");
        if (p == null || p.isBlank()) {
            return Runtime.getRuntime().availableProcessors();
        }
        try {
            int n = Integer.parseInt(p.trim());
            if (n >= 1) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("quill.threads: " + p + " is not a thread count (an integer >= 1)");
    }

    /** {@return how many threads Quill splits work over (the caller's included)} */
    public static int threads() {
        return THREADS;
    }

    private static boolean inline() {
        return WORKERS.length == 0 || IS_WORKER.get() || POOL.isHeldByCurrentThread();
    }

    private static Worker[] startWorkers(int n) {
        Worker[] w = new Worker[Math.max(0, n)];
        for (int i = 0; i < w.length; i++) {
            w[i] = new Worker(i + 1);
            w[i].start();
        }
        return w;
    }

    /**
     * Runs {@code a} and {@code b}, side by side when a worker is free, and returns when both have finished.
     * The first exception thrown by either is rethrown here, after both have finished.
     *
     * @param a one task (allocates no ND4J array)
     * @param b the other
     */
    public static void both(Runnable a, Runnable b) {
        forEach(2, i -> (i == 0 ? b : a).run());
    }

    /**
     * Where to cut {@code [0, n)} into at most {@link #MAX_PIECES_PER_THREAD} pieces per thread, each of at
     * least {@code minPiece} elements, at multiples of {@code align}: piece i is {@code [cut[i], cut[i + 1])}.
     * A caller that needs views of its arrays for each piece makes them from these cuts before
     * {@link #forEach} (views are ND4J objects: made on the caller's thread).
     *
     * @param n        elements in all
     * @param minPiece the least work worth a thread (below 2 * minPiece: one piece)
     * @param align    cuts fall on multiples of this (rows of a matrix, SIMD width)
     * @return the cuts, {@code cut[0] = 0} and {@code cut[pieces] = n}
     */
    public static int[] split(int n, int minPiece, int align) {
        return split(n, minPiece, align, MAX_PIECES_PER_THREAD);
    }

    /**
     * {@link #split} with a different number of pieces per thread: 1 for work that runs faster in larger
     * pieces (a GEMM on more rows), where the balance of {@link #MAX_PIECES_PER_THREAD} costs more than it gains.
     *
     * @param n              elements in all
     * @param minPiece       the least work worth a thread
     * @param align          cuts fall on multiples of this
     * @param piecesPerThread at most this many pieces per thread
     * @return the cuts, {@code cut[0] = 0} and {@code cut[pieces] = n}
     */
    public static int[] split(int n, int minPiece, int align, int piecesPerThread) {
        int pieces = inline() ? 1 : Math.max(1, Math.min(THREADS * piecesPerThread, n / Math.max(1, minPiece)));
        int[] cut = new int[pieces + 1];
        for (int i = 1; i < pieces; i++) {
            cut[i] = (int) ((long) n * i / pieces / align * align);
        }
        cut[pieces] = n;
        return cut;
    }

    /**
     * Runs {@code body} for every piece {@code 0 <= i < pieces} and returns when all have finished. The
     * calling thread and the workers take pieces in turn from a shared counter, so a worker that is slow to
     * start (a busy machine) just takes fewer, and a task no worker has picked up yet is taken back: the
     * caller never waits for a thread that has not started. The first failure is rethrown once every piece
     * has finished (they all use the caller's arrays).
     *
     * @param pieces how many pieces (from {@link #split}: {@code cut.length - 1})
     * @param body   the work on piece i (allocates no ND4J array)
     */
    public static void forEach(int pieces, IntConsumer body) {
        if (pieces <= 1 || inline() || !POOL.tryLock()) {
            for (int i = 0; i < pieces; i++) {
                body.accept(i);
            }
            return;
        }
        try {
            AtomicInteger next = new AtomicInteger();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Runnable drain = () -> {
                for (int i; (i = next.getAndIncrement()) < pieces; ) {
                    try {
                        body.accept(i);
                    } catch (RuntimeException | Error e) {
                        failure.compareAndSet(null, e);
                    }
                }
            };
            // work cut into one piece per thread (a split product) is offered to no worker in the middle of a
            // later() task: the worker would take the last piece when that task ends, perhaps just before the
            // caller would have, and the caller, done with its own piece, would wait for all of it (with more
            // pieces than threads, a late worker takes a smaller share)
            boolean coarse = pieces <= THREADS;
            int helpers = Math.min(WORKERS.length, pieces - 1);
            for (int w = 0; w < helpers; w++) {
                if (!coarse || !WORKERS[w].inLater) {
                    WORKERS[w].submit(drain);
                }
            }
            drain.run();
            for (int w = 0; w < helpers; w++) {
                WORKERS[w].retractOrAwait(); // returns at once for a worker that was not offered the drain
            }
            rethrow(failure.get());
        } finally {
            POOL.unlock();
        }
    }

    /**
     * {@link #split} then {@link #forEach}, for work that needs no views: {@code body} gets each piece's range.
     *
     * @param n        elements in all
     * @param minPiece the least work worth a thread
     * @param align    cuts fall on multiples of this
     * @param body     the work on one piece (allocates no ND4J array)
     */
    public static void range(int n, int minPiece, int align, RangeBody body) {
        int[] cut = split(n, minPiece, align);
        forEach(cut.length - 1, i -> body.run(cut[i], cut[i + 1]));
    }

    /**
     * Runs {@code task} on a worker when one is free, or later on this thread, and returns at once; the
     * task's effects are certain after this thread's next {@link #awaitLater}, or after {@link Pending#await}
     * of what this returns. With no worker (one thread), on a worker, or while this thread is splitting work,
     * the task runs now (and a failure is thrown now); otherwise a failure is rethrown by {@link #awaitLater}.
     *
     * @param task work that allocates no ND4J array, reads only memory that nothing frees or overwrites until
     *             it has run, and writes what nothing reads or writes before then
     * @return the task's completion
     */
    public static Pending later(Runnable task) {
        if (inline()) {
            task.run();
            return Pending.DONE;
        }
        LaterCount mine = MY_LATER.get();
        mine.pending.incrementAndGet();
        Pending p = new Pending(task, mine);
        LATER.add(p);
        for (Worker w : WORKERS) {
            w.wake();
        }
        return p;
    }

    /** A task handed to {@link #later}, with the count of the thread that handed it over, and its completion. */
    public static final class Pending {
        static final Pending DONE = new Pending(null, null);

        private final Runnable task;
        private final LaterCount owner;
        private volatile boolean done;

        private Pending(Runnable task, LaterCount owner) {
            this.task = task;
            this.owner = owner;
            this.done = task == null;
        }

        /**
         * Returns once the task has run: runs it on this thread when no worker has started it, else waits.
         * A failure is not thrown here but by the next {@link #awaitLater} of the thread that handed it over.
         */
        public void await() {
            if (!done && LATER.remove(this)) {
                run();
            }
            waitUntil(() -> done);
        }

        private void run() {
            try {
                task.run();
            } catch (RuntimeException | Error e) {
                owner.failure.compareAndSet(null, e);
            } finally {
                done = true;
                owner.pending.decrementAndGet();
            }
        }
    }

    /**
     * Returns once every task this thread handed to {@link #later} has run: this thread runs the ones no
     * worker has started (and any other thread's it finds first), then waits for the rest. The first failure
     * of those tasks is rethrown here.
     */
    public static void awaitLater() {
        LaterCount mine = MY_LATER.get();
        if (mine.pending.get() == 0 && mine.failure.get() == null) {
            return;
        }
        for (Pending p; mine.pending.get() > 0 && (p = LATER.poll()) != null; ) {
            p.run();
        }
        waitUntil(() -> mine.pending.get() == 0);
        rethrow(mine.failure.getAndSet(null));
    }

    /** The tasks a thread handed to {@link #later} that have not finished, and the first failure among them. */
    private static final class LaterCount {
        final AtomicInteger pending = new AtomicInteger();
        final AtomicReference<Throwable> failure = new AtomicReference<>();
    }

    /** Polls {@code done} for {@link #SPIN_NANOS}, then every 20 us, until it is true. */
    private static void waitUntil(BooleanSupplier done) {
        long start = System.nanoTime();
        while (!done.getAsBoolean()) {
            if (System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                LockSupport.parkNanos(20_000);
            }
        }
    }

    private static void rethrow(Throwable first) {
        if (first instanceof RuntimeException re) {
            throw re;
        }
        if (first instanceof Error err) {
            throw err;
        }
        if (first != null) {
            throw new IllegalStateException(first);
        }
    }

    /** A worker: runs one task at a time, handed over through an atomic field. */
    private static final class Worker extends Thread {
        private final AtomicReference<Runnable> task = new AtomicReference<>();
        private volatile boolean busy;
        private volatile boolean inLater; // running a task from later()

        Worker(int id) {
            super("quill-worker-" + id);
            setDaemon(true);
        }

        void submit(Runnable r) {
            task.set(r);
            wake();
        }

        void wake() {
            LockSupport.unpark(this);
        }

        /** Takes the task back if this worker has not started it, else waits until it has finished. */
        void retractOrAwait() {
            if (task.getAndSet(null) != null) {
                return;
            }
            waitUntil(() -> !busy);
        }

        @Override
        public void run() {
            IS_WORKER.set(Boolean.TRUE);
            long idleSince = System.nanoTime();
            while (true) {
                if (task.get() == null) {
                    Pending l = LATER.poll();           // split work first; then what was handed over for later
                    if (l != null) {
                        inLater = true;
                        l.run();
                        inLater = false;
                        idleSince = System.nanoTime();
                        continue;
                    }
                    if (System.nanoTime() - idleSince < SPIN_NANOS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                    continue;
                }
                busy = true; // set before the task is taken, so a caller that finds it taken sees busy
                Runnable r = task.getAndSet(null);
                if (r != null) {
                    r.run(); // a drain loop: catches what its pieces throw
                }
                busy = false;
                idleSince = System.nanoTime();
            }
        }
    }
}
