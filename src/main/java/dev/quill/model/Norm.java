package dev.quill.model;

import dev.quill.autograd.Tensor;

/** A normalization layer over the last axis: {@link LayerNorm} or {@link RmsNorm}. */
public sealed interface Norm permits LayerNorm, RmsNorm {

    /** (..., C) -> (..., C). */
    Tensor forward(Tensor x);

    /** The module, for registration. */
    Module module();
}
