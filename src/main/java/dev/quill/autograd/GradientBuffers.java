package dev.quill.autograd;

import java.util.IdentityHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Frees the backward pass's arrays as soon as nothing needs them, so that the backward adds only its
 * working set to the memory of the forward's activations, not every array it makes.
 *
 * <p>{@link Backward} runs every op's backward outside the memory scopes, so what a backward allocates is a
 * detached ND4J array, whose native memory a {@code close()} returns at once. Such an array ends in one of
 * two ways: it becomes (part of) some tensor's {@link Gradient}, or it is a temporary of the op that made
 * it. Gradients can share one buffer (an addition passes dy to both inputs, a reshape passes a view of
 * it), so a buffer is counted, not owned:
 * <pre>
 *   hold(a):  a Gradient keeps a (or a view of it)          count(buffer of a) += 1
 *   drop(a):  a Gradient lets go of a (its op has used it)  count -= 1; at 0 the buffer is freed
 *   free(a):  an op is done with a temporary                freed now unless a Gradient holds it
 * </pre>
 * A gradient that nobody lets go of (a parameter's, the loss's, one kept by {@link Tensor#retainGrad}) keeps
 * its count and is never freed here. Arrays that live in a scope (the forward's, which the scope frees at
 * its close) are not counted, and outside a backward pass every call is a no-op.
 */
final class GradientBuffers {

    private static final ThreadLocal<GradientBuffers> CURRENT = new ThreadLocal<>();

    private final Map<DataBuffer, int[]> holders = new IdentityHashMap<>();
    private long freedBytes;

    private GradientBuffers() {
    }

    /** Starts counting on this thread, for one backward pass; {@link #end} stops it. */
    static void begin() {
        CURRENT.set(new GradientBuffers());
    }

    /**
     * Stops counting; arrays still held stay alive (the GC or their scope frees them).
     *
     * @return the bytes freed since {@link #begin}
     */
    static long end() {
        GradientBuffers ledger = CURRENT.get();
        CURRENT.remove();
        return ledger == null ? 0 : ledger.freedBytes;
    }

    /** {@return true while this thread counts (a big backward pass, whose arrays may be freed before it ends)} */
    static boolean counting() {
        return CURRENT.get() != null;
    }

    /** A gradient now holds {@code a}. */
    static void hold(INDArray a) {
        GradientBuffers ledger = CURRENT.get();
        DataBuffer b = ledger == null ? null : detachedBuffer(a);
        if (b != null) {
            ledger.holders.computeIfAbsent(b, k -> new int[1])[0]++;
        }
    }

    /** A gradient lets go of {@code a}: the buffer is freed when no gradient holds it any more. */
    static void drop(INDArray a) {
        GradientBuffers ledger = CURRENT.get();
        DataBuffer b = ledger == null ? null : detachedBuffer(a);
        int[] count = b == null ? null : ledger.holders.get(b);
        if (count != null && --count[0] == 0) {
            ledger.holders.remove(b);
            ledger.close(b);
        }
    }

    /** The caller is done with {@code a}, which it made and no op holds: freed now unless a gradient holds it. */
    static void free(INDArray a) {
        GradientBuffers ledger = CURRENT.get();
        DataBuffer b = ledger == null || a == null ? null : detachedBuffer(a);
        if (b != null && !ledger.holders.containsKey(b)) {
            ledger.close(b);
        }
    }

    private void close(DataBuffer b) {
        freedBytes += b.length() * b.getElementSize();
        b.close();
    }

    /** The buffer that owns {@code a}'s memory (a view's is its base's), or null when a scope owns it. */
    private static DataBuffer detachedBuffer(INDArray a) {
        if (a == null || a.wasClosed()) {
            return null;
        }
        DataBuffer b = a.data();
        DataBuffer base = b.originalDataBuffer();
        b = base != null ? base : b;
        return b.isAttached() || b.isConstant() || b.wasClosed() ? null : b;
    }
}
