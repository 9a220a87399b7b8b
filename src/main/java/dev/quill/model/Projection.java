package dev.quill.model;

import dev.quill.autograd.Tensor;

/**
 * A learned affine map x -> x W^T + b (x: (..., in) -> (..., out)), the type of the projections inside
 * attention ({@code c_attn}, {@code c_proj}) and the MLP ({@code c_fc}, {@code c_proj}). Two kinds: a plain
 * {@link Linear}, and a {@link LoraLinear} that adds a trainable low-rank update to a frozen Linear's
 * weights. {@link Lora} swaps one for the other in place; the weight keeps its name either way.
 */
public abstract sealed class Projection extends Module permits Linear, LoraLinear {

    /** Package-private: the two kinds above are the only ones. */
    Projection() {
    }

    /**
     * Applies the map, recording the graph for backward.
     *
     * @param x the input (..., in); any number of leading axes
     * @return x W^T + b, shape (..., out)
     */
    public abstract Tensor forward(Tensor x);

    /** {@return the weight W (out, in), in PyTorch's layout} */
    public abstract Tensor weight();

    /** {@return the bias b (out), or null when the projection has none} */
    public abstract Tensor bias();
}
