package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * y = x W^T + b, with W stored as PyTorch stores it, (out_features, in_features), so checkpoints load
 * without transposes; the product uses a transpose flag instead of a copy. x: (..., in) -> y: (..., out).
 */
public final class Linear extends Module {

    private final Tensor weight;
    private final Tensor bias;

    /**
     * Weight normal(0, std), bias zero (when {@code bias}).
     *
     * @param in   in_features
     * @param out  out_features
     * @param bias whether there is a {@code bias}
     * @param std  the standard deviation of the weight's init
     * @param rng  draws the initial weights
     * @param type the parameters' type
     */
    public Linear(int in, int out, boolean bias, double std, Rng rng, DataType type) {
        this.weight = param("weight", Init.normal("weight", rng, std, type, out, in));
        this.bias = bias ? param("bias", Init.constant("bias", 0.0, type, out)) : null;
    }

    /**
     * @param x (..., in)
     * @return x W^T + b, (..., out)
     */
    public Tensor forward(Tensor x) {
        Tensor y = x.matmul(weight, false, true);        // (..., in) @ (out, in)^T -> (..., out)
        return bias == null ? y : y.add(bias);
    }

    /** {@return the weight W, (out, in)} */
    public Tensor weight() {
        return weight;
    }
}
