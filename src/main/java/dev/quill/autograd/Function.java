package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One differentiable operation: the forward computes an output from its inputs and keeps what the
 * backward will need; {@link #backward(INDArray)} receives dL/d(output) and adds dL/d(input) into each
 * input that wants a gradient. Every op in this package is a small subclass, forward (a static
 * {@code apply}) and backward side by side.
 *
 * <p>Gradients always accumulate ({@code grad += ...}): a tensor used by two ops receives the sum of
 * both contributions, which is what makes a tied embedding or a residual connection correct.
 */
public abstract class Function {

    private Tensor[] inputs;
    private boolean gradOutputWritable; // set by the backward pass for one call of backward

    /**
     * Adds the gradient of each input, given the gradient of the loss with respect to the output.
     *
     * @param gradOutput dL/d(output), the output's shape; read only (it may be shared with other tensors),
     *                   unless {@link #mayOverwriteGradOutput} says otherwise
     */
    protected abstract void backward(INDArray gradOutput);

    /**
     * {@link #backward} as the backward pass calls it.
     *
     * @param writable true when nothing else holds or will read {@code gradOutput} (see {@link #mayOverwriteGradOutput})
     */
    final void runBackward(INDArray gradOutput, boolean writable) {
        gradOutputWritable = writable;
        try {
            backward(gradOutput);
        } finally {
            gradOutputWritable = false;
        }
    }

    /**
     * {@return true, during {@link #backward}, when the op may write an input's gradient over gradOutput and
     * accumulate gradOutput as that (owned) gradient}: the output's gradient is an array of its own (not
     * passed through unchanged from elsewhere), the output keeps no gradient ({@link Tensor#retainGrad},
     * the pass's root), and the pass lets go of it after this op. An element-wise op then needs no new
     * array, and writes into memory that is still in the cache. The op must not have handed gradOutput to
     * a product that runs later ({@link #accumulateProductLater}).
     */
    protected final boolean mayOverwriteGradOutput() {
        return gradOutputWritable;
    }

    /** {@return the op's name in error messages and graph dumps (the class's simple name)} */
    public String name() {
        return getClass().getSimpleName();
    }

    /**
     * Wraps {@code value} as this op's output. When gradients are being recorded and some input needs
     * one, the output remembers this op; otherwise nothing is recorded.
     *
     * @param value  the forward's result
     * @param inputs the op's inputs, in the order {@link #needsGrad(int)} and {@link #accumulate} index them
     * @return the output tensor, which requires a gradient exactly when the graph is recorded
     */
    protected final Tensor output(INDArray value, Tensor... inputs) {
        boolean record = false;
        if (GradMode.isEnabled()) {
            for (Tensor t : inputs) {
                record |= t.requiresGrad();
            }
        }
        if (!record) {
            return new Tensor(value, false, null);
        }
        this.inputs = inputs;
        return new Tensor(value, true, this);
    }

    /**
     * @param i the input's index, as passed to {@link #output}
     * @return true when input {@code i} wants a gradient (skip work for the others)
     */
    protected final boolean needsGrad(int i) {
        return inputs[i].requiresGrad();
    }

    /**
     * {@code inputs[i].grad += g}, for an array that may be held elsewhere too (for example dy passed
     * straight through an addition to both inputs). It is never written in place afterwards: the input
     * may keep it as its gradient, marked shared (see {@link Gradient#add}).
     *
     * @param i the input's index, as passed to {@link #output}
     * @param g dL/d(input i), the input's shape
     */
    protected final void accumulate(int i, INDArray g) {
        inputs[i].gradient().add(g, false);
    }

    /**
     * As {@link #accumulate}, for an array this backward just allocated and nothing else references (a
     * reshape of such an array counts): the input may keep it and write into it later.
     *
     * @param i the input's index, as passed to {@link #output}
     * @param g dL/d(input i), the input's shape, owned by the caller
     */
    protected final void accumulateOwned(int i, INDArray g) {
        inputs[i].gradient().add(g, true);
    }

    /**
     * {@code inputs[i].grad += op(x) @ op(y)}. When the input already has a gradient array of its own (a
     * parameter's, kept from step to step), the GEMM writes into it directly (see
     * {@link Gradient#addProduct}); otherwise the product is made and accumulated as an owned array.
     *
     * @param i  the input's index, as passed to {@link #output}
     * @param x  the left operand, 2-D
     * @param y  the right operand, 2-D
     * @param tx whether to use x transposed
     * @param ty whether to use y transposed; op(x) @ op(y) must have the input's shape
     */
    protected final void accumulateProduct(int i, INDArray x, INDArray y, boolean tx, boolean ty) {
        if (!inputs[i].gradient().addProduct(x, y, tx, ty)) {
            accumulateOwned(i, MatMul.product(x, y, tx, ty));
        }
    }

    /**
     * As {@link #accumulateProduct}, for a product the rest of the backward pass does not wait for, when it can go
     * straight into a parameter's gradient: a worker runs the GEMM while this thread goes on
     * ({@link Gradient#addProductLater}).
     *
     * @param i  the input's index, as passed to {@link #output}
     * @param x  the left operand, 2-D, or dense with more axes and read as the matrix of its rows (..., n);
     *           not written before the pass ends
     * @param y  the right operand, likewise
     * @param tx whether to use x transposed
     * @param ty whether to use y transposed; op(x) @ op(y) must have the input's shape
     * @return false, having done nothing, when the product cannot be handed over (then call accumulateProduct)
     */
    protected final boolean accumulateProductLater(int i, INDArray x, INDArray y, boolean tx, boolean ty) {
        return inputs[i].gradient().addProductLater(x, y, tx, ty);
    }

    /**
     * {@code inputs[i].grad += values}, for a small gradient summed on the Java heap (a norm's gain and bias,
     * an embedding table's rows), in c order: added straight into the input's own gradient array when it
     * has one (a parameter's), else made into an array shaped and typed like the input.
     *
     * @param i      the input's index, as passed to {@link #output}
     * @param values dL/d(input i), one value per element of the input, in c order
     */
    protected final void accumulateValues(int i, double[] values) {
        if (!inputs[i].gradient().addValues(values)) {
            INDArray x = inputs[i].value();
            accumulateOwned(i, Nd4j.create(values, x.shape(), 'c').castTo(x.dataType()));
        }
    }

    final Tensor[] inputs() {
        return inputs;
    }
}
