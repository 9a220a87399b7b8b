package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The gradient one {@link Tensor} accumulates: every op that used the tensor adds its part during
 * {@link Backward}, {@code grad += g}, so a tensor used twice gets the sum. Copying a (B, T, C) gradient costs
 * as much as adding it, so who holds which array decides what is copied:
 * <ul>
 *   <li>owned (the op just allocated g and nobody else holds it): g becomes the gradient as it is;</li>
 *   <li>not owned (g passes through an op unchanged, like an addition's dy, which both inputs receive):
 *       g also becomes the gradient without a copy, but marked shared. A shared gradient is never written
 *       in place: the next accumulation makes a new array (copy on write; into g itself when g is owned,
 *       since addition commutes), and {@link #read} hands out a copy;</li>
 *   <li>a parameter's gradient lives outside the step's scope and is kept from step to step: it is
 *       allocated there once, then g is added into it (or, after {@link #markZero}, copied over it).</li>
 * </ul>
 * An array that is not {@link Kernels#plain plain} (a permuted view, a slice) is copied into c order first.
 */
final class Gradient {

    private final Tensor owner;
    private INDArray array;
    private boolean zero;   // markZero() was called: the contents are stale and count as zero
    private boolean shared; // the array may be held elsewhere too: never written in place
    private Parallel.Pending inFlight; // a product into the array handed to Parallel.later, or null

    Gradient(Tensor owner) {
        this.owner = owner;
    }

    /** {@return the array as it is (null before any), for the backward pass: it only reads it} */
    INDArray array() {
        settle();
        return array;
    }

    /** {@return true when the array is this gradient's alone: not shared, not a stale zero} */
    boolean exclusive() {
        settle();
        return array != null && !shared && !zero;
    }

    /** Waits for a product handed over by {@link #addProductLater}, before the array is read or written again. */
    private void settle() {
        if (inFlight != null) {
            Parallel.Pending p = inFlight;
            inFlight = null;
            p.await();
        }
    }

    /** {@return the gradient for a caller who may write into it: an own copy if shared, zeroed if marked zero} */
    INDArray read() {
        settle();
        if (array != null && shared) { // callers may write into what they get (clipping scales in place)
            INDArray old = array;
            array = ownCopy(old);
            GradientBuffers.hold(array);
            GradientBuffers.drop(old);
            shared = false;
        }
        if (zero) {
            array.assign(0);
            zero = false;
        }
        return array;
    }

    /**
     * Counts the gradient as zero, keeping its memory. The zeroing is lazy: the next accumulation overwrites
     * instead of adding, which saves a pass over every parameter.
     */
    void markZero() {
        settle();
        if (array != null) {
            zero = true;
        }
    }

    /** Marks the array as possibly held elsewhere (an op may have passed it on unchanged). */
    void markShared() {
        shared = true;
    }

    /** Lets go of the array (an intermediate's, once its op has used it). */
    void forget() {
        settle();
        GradientBuffers.drop(array);
        array = null;
    }

    /** Lets go of the array and its marks (a leaf being frozen). */
    void clear() {
        settle();
        GradientBuffers.drop(array);
        array = null;
        zero = false;
        shared = false;
    }

    /** Frees the array now unless it is shared or a view (the GC frees those), then lets go of it. */
    void close() {
        settle();
        if (array != null && !shared && !array.isView() && !array.wasClosed()) {
            array.close();
        }
        array = null;
    }

    /**
     * grad += g, by the rules above.
     *
     * @param g     dL/d(owner), the owner's shape
     * @param owned true when nothing else holds g (the caller just allocated it)
     */
    void add(INDArray g, boolean owned) {
        settle();
        owner.checkUsable();
        INDArray value = owner.array();
        if (!java.util.Arrays.equals(g.shape(), value.shape())) {
            throw new IllegalStateException("gradient of shape " + Shapes.str(g.shape()) + " for " + owner.describe()
                    + " of shape " + Shapes.str(value.shape()) + " (a backward bug)");
        }
        boolean outside = owner.outsideScopes() && MemoryScope.current() != null; // must not live in the open scope
        boolean plain = Kernels.plain(g);
        if (array != null && !shared) {                    // our own array: write into it
            if (zero) {
                array.assign(g);
            } else {
                AddKernel.addi(array, g);
            }
            freeIfOwned(g, owned);
        } else if (array != null && !zero) {               // shared: the sum goes into a new array
            INDArray old = array;
            if (owned && plain && !outside) {
                array = AddKernel.addi(g, old);                                // g + old, in g
            } else {
                array = outside ? MemoryScope.outside(() -> AddKernel.add(old, g)) : AddKernel.add(old, g);
                freeIfOwned(g, owned);
            }
            GradientBuffers.hold(array);
            GradientBuffers.drop(old);
            shared = false;
        } else if (outside || !plain) {                    // the first gradient, copied
            INDArray old = array;
            array = ownCopy(g);
            GradientBuffers.hold(array);
            GradientBuffers.drop(old);
            freeIfOwned(g, owned);
            shared = false;
        } else {                                           // the first gradient, kept as it is
            INDArray old = array;
            array = g;
            GradientBuffers.hold(array);
            GradientBuffers.drop(old);
            shared = !owned;
        }
        zero = false;
    }

    /**
     * grad += op(x) @ op(y) as one GEMM into the gradient array itself: beta = 0 after {@link #markZero}
     * (the stale contents are overwritten, never read), beta = 1 otherwise. A Linear's weight gradient so
     * needs neither a temporary (out, in) product nor a pass copying it into the gradient.
     *
     * @return false, having done nothing, unless the owner already has a plain 2-D gradient array of its own
     *         (in a training step: a parameter, from the second step on)
     */
    boolean addProduct(INDArray x, INDArray y, boolean tx, boolean ty) {
        settle();
        if (!takesProduct(x, y, tx, ty, false)) {
            return false;
        }
        MatMul.productInto(x, y, array, tx, ty, zero ? 0.0 : 1.0);
        zero = false;
        return true;
    }

    /**
     * As {@link #addProduct}, with the GEMM handed to {@link Parallel#later}: a worker runs it while the backward
     * pass goes on (the optimizer is the first to read a parameter's gradient). Not in a big pass, which frees
     * its arrays before it ends ({@link GradientBuffers}), so x and y might be gone; the next use of this
     * gradient, and the end of the pass, wait for it.
     *
     * @return false, having done nothing, when {@link #addProduct} would decline, in a big pass, or for operands
     *         the CPU kernel does not take
     */
    boolean addProductLater(INDArray x, INDArray y, boolean tx, boolean ty) {
        settle();
        if (GradientBuffers.counting() || !takesProduct(x, y, tx, ty, true)) {
            return false;
        }
        Runnable product = MatMulKernel.later(x, y, array, tx, ty, zero ? 0.0 : 1.0);
        if (product == null) {
            return false;
        }
        zero = false;
        inFlight = Parallel.later(product);
        return true;
    }

    /**
     * {@return true when op(x) @ op(y) can be written straight into the array: a plain 2-D one of our own}
     * With {@code asRows}, x and y may also be dense arrays of more axes, each taken as the matrix of its rows
     * (..., n) -> (rows, n), as the CPU kernel reads them ({@link MatMulKernel#later}).
     */
    private boolean takesProduct(INDArray x, INDArray y, boolean tx, boolean ty, boolean asRows) {
        owner.checkUsable();
        if (array == null || shared || array.rank() != 2 || !Kernels.plain(array) || array.dataType() != x.dataType()
                || !matrix(x, asRows) || !matrix(y, asRows)) {
            return false;
        }
        long rows = tx ? x.size(-1) : MatMulKernel.rows(x);
        long cols = ty ? MatMulKernel.rows(y) : y.size(-1);
        if (rows != array.size(0) || cols != array.size(1)) {
            throw new IllegalStateException("gradient product of shape (" + rows + ", " + cols + ") for "
                    + owner.describe() + " of shape " + Shapes.str(array.shape()) + " (a backward bug)");
        }
        return true;
    }

    /** {@return true for a 2-D array, or, with asRows, a dense one of more axes (the matrix of its rows)} */
    private static boolean matrix(INDArray a, boolean asRows) {
        return a.rank() == 2 || asRows && a.rank() > 2 && CpuBlas.denseRows(a);
    }

    /**
     * grad += values, by a Java loop straight into the gradient array (after {@link #markZero}: grad = values),
     * sparing a temporary array and a native call per norm gain and bias.
     *
     * @return false, having done nothing, unless the owner has a plain FLOAT or DOUBLE gradient array of its own
     */
    boolean addValues(double[] values) {
        settle();
        owner.checkUsable();
        if (array == null || shared || !Kernels.usable(array)) {
            return false;
        }
        if (values.length != array.length()) {
            throw new IllegalStateException(values.length + " gradient values for " + owner.describe() + " of shape "
                    + Shapes.str(array.shape()) + " (a backward bug)");
        }
        HostBuffer b = HostBuffer.of(array);
        for (int j = 0; j < values.length; j++) {
            b.set(j, zero ? values[j] : b.get(j) + values[j]);
        }
        zero = false;
        return true;
    }

    /** An owned g that was added or copied, not kept, is a temporary now: freed during a backward pass. */
    private static void freeIfOwned(INDArray g, boolean owned) {
        if (owned) {
            GradientBuffers.free(g);
        }
    }

    /** A c-order copy of {@code a}, allocated where the owner lives (a parameter: outside every scope). */
    private INDArray ownCopy(INDArray a) {
        return owner.outsideScopes() && MemoryScope.current() != null ? MemoryScope.outside(() -> a.dup('c')) : a.dup('c');
    }
}
