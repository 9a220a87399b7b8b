package dev.quill.model;

import dev.quill.autograd.Tensor;

/** A normalization layer over the last axis: {@link LayerNorm} or {@link RmsNorm}. */
public sealed interface Norm permits LayerNorm, RmsNorm {

    /**
     * @param x (..., C)
     * @return x normalized over its last axis, scaled and shifted, (..., C)
     */
    Tensor forward(Tensor x);

    /** {@return the module itself, for registration under its parent} */
    Module module();
}
