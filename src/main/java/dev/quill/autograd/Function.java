package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

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

    /**
     * Adds the gradient of each input, given the gradient of the loss with respect to the output.
     *
     * @param gradOutput dL/d(output), the output's shape; read only (it may be shared with other tensors)
     */
    protected abstract void backward(INDArray gradOutput);

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
     * {@code inputs[i].grad += g}. The array may be shared with other tensors (for example the
     * gradient passed straight through an addition), so it is copied if it would become the
     * input's gradient array.
     *
     * @param i the input's index, as passed to {@link #output}
     * @param g dL/d(input i), the input's shape
     */
    protected final void accumulate(int i, INDArray g) {
        inputs[i].accumulateGrad(g, false);
    }

    /**
     * As {@link #accumulate}, for an array this backward just allocated and nothing else references: it
     * may become the input's gradient without a copy.
     *
     * @param i the input's index, as passed to {@link #output}
     * @param g dL/d(input i), the input's shape, owned by the caller
     */
    protected final void accumulateOwned(int i, INDArray g) {
        inputs[i].accumulateGrad(g, true);
    }

    final Tensor[] inputs() {
        return inputs;
    }
}
