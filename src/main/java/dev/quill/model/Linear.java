package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * y = x W^T + b, with W stored as PyTorch stores it, (out_features, in_features), so checkpoints load
 * without transposes; the product uses a transpose flag instead of a copy. x: (..., in) -> y: (..., out).
 */
public final class Linear extends Projection {

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
        this(Init.normal("weight", rng, std, type, out, in), bias ? Init.constant("bias", 0.0, type, out) : null);
    }

    /** Over existing tensors: weight (out, in) and bias (out) or null (LoRA's A and B are made this way). */
    Linear(Tensor weight, Tensor bias) {
        this.weight = param("weight", weight);
        this.bias = bias == null ? null : param("bias", bias);
    }

    @Override
    public Tensor forward(Tensor x) {
        Tensor y = x.matmul(weight, false, true);        // (..., in) @ (out, in)^T -> (..., out)
        return bias == null ? y : y.add(bias);
    }

    @Override
    public Tensor weight() {
        return weight;
    }

    @Override
    public Tensor bias() {
        return bias;
    }
}
