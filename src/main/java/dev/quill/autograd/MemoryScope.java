package dev.quill.autograd;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Supplier;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The owner of every intermediate array of one step. ND4J keeps arrays in native memory that only the
 * Java GC frees, so a training loop that allocates freely grows to gigabytes; inside a scope, arrays are
 * carved out of one block that is reused when the same scope is opened again (an ND4J workspace). After
 * the first step has taught the block its size, allocation is a pointer bump and resident memory is flat.
 *
 * <pre>{@code
 * for (int step = 0; step < steps; step++) {
 *     try (var scope = MemoryScope.open("train-step")) {
 *         Tensor loss = model.loss(batch);   // activations live in the scope
 *         loss.backward();                   // parameter gradients live outside it
 *         optimizer.step();
 *     }                                      // every activation of the step is released here
 * }
 * }</pre>
 *
 * The scope holds what the forward makes. A big backward runs outside it and frees each of its own arrays
 * as soon as nothing needs it ({@link Backward}), so a step's peak is its activations plus the backward's
 * working set; a small one stays in the scope.
 *
 * Parameters, their gradients and optimizer state must outlive a step: create them outside any scope
 * ({@link #outside(Supplier)}). A {@link Tensor} made inside a scope remembers it, and using that tensor
 * after the scope has closed throws an {@link IllegalStateException} naming the scope, instead of reading
 * memory that the next step has reused.
 */
public final class MemoryScope implements AutoCloseable {

    private static final ThreadLocal<Deque<MemoryScope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    // Learn the block size in the first cycle, then reuse it; a later, larger step spills into fresh
    // memory once and the block is reallocated at the right size.
    private static final double OVERALLOCATION = 0.1;
    private static final WorkspaceConfiguration CONFIG = config(0);

    /**
     * Native memory that ND4J allocates outside workspaces (op descriptors, a few buffers) is released only
     * when the Java objects that own it are collected; with a large heap the collector may wait for
     * gigabytes. So every {@code quill.gc.interval} closes of an outermost scope (default 50, 0 = never), at
     * most once a second, the scope looks at the process's resident memory, and runs a full collection the
     * first time and afterwards whenever it has grown by {@code quill.gc.growth.mb} (default 32) since the
     * last one. Measured on the two-layer MLP of {@code MemoryFlatness}: 160-181 MB over 10,000 passes with a
     * collection every 100 closes, 1.1 GB and growing without. A full collection pauses a step for 37-45 ms
     * under JDK 25, so collecting only when memory has grown takes the baby run from one collection every
     * ~25 steps to a few per thousand (docs/performance.md, "Memory scopes and the periodic GC").
     */
    private static final int GC_INTERVAL = Integer.getInteger("quill.gc.interval", 50);
    private static final long GC_GROWTH = Long.getLong("quill.gc.growth.mb", 32) << 20;
    // per thread: closes since the last look, the time of the last collection, the least resident bytes seen since
    // (0: no collection yet)
    private static final ThreadLocal<long[]> CLOSES = ThreadLocal.withInitial(() -> new long[] {0, System.nanoTime(), 0});

    private final String name;
    private final MemoryWorkspace workspace;
    private final Thread owner;
    private boolean open = true;

    private MemoryScope(String name, MemoryWorkspace workspace) {
        this.name = name;
        this.workspace = workspace;
        this.owner = Thread.currentThread();
    }

    /**
     * Opens a scope; arrays created on this thread until it closes belong to it. Opening the same name
     * again (the next step) reuses the memory of the previous time.
     *
     * @param name what the scope is for ("step", "eval"); scopes of one name share their memory between uses
     * @return the open scope, to close on this thread, innermost first
     */
    public static MemoryScope open(String name) {
        return open(name, 0);
    }

    /**
     * {@link #open(String)} with what the scope is expected to hold. The first time the scope opens on this
     * thread, its block is reserved at that size (at most {@code expectedBytes}, overallocation included)
     * instead of being learned: the first use then neither allocates its arrays one by one nor reserves the
     * block afterwards, two first touches of the same amount of fresh memory (on a 2-vCPU VM ~15 us per 4 KB
     * page: ~0.2 s for the baby model's 68 MB). A scope that needs more grows at its close, as a learned one
     * does; one that needs less keeps the larger block.
     *
     * @param name          what the scope is for; scopes of one name share their memory between uses
     * @param expectedBytes the bytes its arrays are expected to take, or 0 to learn them in the first use
     * @return the open scope, to close on this thread, innermost first
     */
    public static MemoryScope open(String name, long expectedBytes) {
        Deque<MemoryScope> stack = OPEN.get();
        // Nested scopes get distinct workspaces, even when they share a name.
        String id = "quill/" + name + "#" + stack.size();
        WorkspaceConfiguration config = expectedBytes > 0 && !Nd4j.getWorkspaceManager().checkIfWorkspaceExists(id)
                ? config(expectedBytes) : CONFIG;
        MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(config, id);
        MemoryScope scope = new MemoryScope(name, ws);
        stack.push(scope);
        return scope;
    }

    /** A scope's block: reserved up front at {@code bytes} in all (the overallocation included), or learned when 0. */
    private static WorkspaceConfiguration config(long bytes) {
        return WorkspaceConfiguration.builder()
                .initialSize((long) (bytes / (1 + OVERALLOCATION)))
                .policyAllocation(AllocationPolicy.OVERALLOCATE)
                .overallocationLimit(OVERALLOCATION)
                .policyLearning(LearningPolicy.FIRST_LOOP)
                .policyReset(ResetPolicy.BLOCK_LEFT)
                .policySpill(SpillPolicy.REALLOCATE)
                .build();
    }

    /**
     * {@return the size of a graph's values (bytes) from which its backward runs outside every scope and frees
     * each array as soon as it can ({@code quill.backward.free.mb}, default 1024 MB; see {@link Backward})}
     */
    public static long bigPassBytes() {
        return Long.getLong("quill.backward.free.mb", 1024) << 20;
    }

    /** The innermost open scope of this thread, or null outside every scope. */
    static MemoryScope current() {
        return OPEN.get().peek();
    }

    /**
     * Runs {@code allocate} with every scope suspended, so what it creates lives until the GC frees it.
     *
     * @param <T>      what {@code allocate} returns
     * @param allocate creates arrays that must outlive the current scopes (parameters, optimizer state)
     * @return what {@code allocate} returned
     */
    public static <T> T outside(Supplier<T> allocate) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return allocate.get();
        }
    }

    /** {@return the name given at {@link #open(String)}} */
    public String name() {
        return name;
    }

    /** {@return true until {@link #close()}} */
    public boolean isOpen() {
        return open;
    }

    @Override
    public void close() {
        if (!open) {
            return;
        }
        if (Thread.currentThread() != owner) {
            throw new IllegalStateException("memory scope '" + name + "' must be closed on the thread that opened it");
        }
        Deque<MemoryScope> stack = OPEN.get();
        if (stack.peek() != this) {
            throw new IllegalStateException("memory scope '" + name + "' closed while an inner scope '"
                    + stack.peek().name + "' is still open; close scopes in reverse order (try-with-resources)");
        }
        stack.pop();
        open = false;
        workspace.close();
        if (stack.isEmpty() && GC_INTERVAL > 0) {
            collectIfGrown(CLOSES.get());
        }
    }

    /**
     * A collection now, before a loop of steps on this thread, counted as the periodic one: what start-up left
     * for the collector (the warm-up's and the GEMM peak measurement's garbage, and the native memory it
     * holds) goes before the first step instead of riding along to the first periodic look, and the growth
     * rule below counts from here. Does nothing when the periodic collection is off.
     */
    public static void collectBeforeSteps() {
        if (GC_INTERVAL <= 0) {
            return;
        }
        long[] c = CLOSES.get();
        c[0] = 0;
        collect(c);
    }

    private static void collectIfGrown(long[] c) {
        if (++c[0] < GC_INTERVAL || System.nanoTime() - c[1] <= 1_000_000_000L) {
            return;
        }
        c[0] = 0;
        long rss = Pointer.physicalBytes();
        if (c[2] == 0 || rss - c[2] > GC_GROWTH) {
            collect(c);
        } else {
            c[2] = Math.min(c[2], rss);             // growth counts from the lowest point since the collection
        }
    }

    /** A full collection, then its time and the resident memory after it, which the growth rule counts from. */
    private static void collect(long[] c) {
        System.gc();
        c[1] = System.nanoTime();
        c[2] = Pointer.physicalBytes();
    }

    @Override
    public String toString() {
        return "MemoryScope[" + name + (open ? ", open]" : ", closed]");
    }
}
