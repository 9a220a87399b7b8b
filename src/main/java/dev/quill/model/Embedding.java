package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A table of V vectors of C channels; {@code forward(ids)} looks rows up: (B, T) ids -> (B, T, C). */
public final class Embedding extends Module {

    private final Tensor weight;

    public Embedding(int v, int c, double std, Rng rng, DataType type) {
        this.weight = param("weight", Init.normal("weight", rng, std, type, v, c));
    }

    public Tensor forward(INDArray ids) {
        return weight.embedding(ids);
    }

    public Tensor weight() {
        return weight;
    }
}
