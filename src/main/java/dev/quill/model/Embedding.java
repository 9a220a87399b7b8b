package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A table of V vectors of C channels; {@code forward(ids)} looks rows up: (B, T) ids -> (B, T, C). */
public final class Embedding extends Module {

    private final Tensor weight;

    /**
     * @param v    V, the number of rows (the vocabulary)
     * @param c    C, the row width
     * @param std  the standard deviation of the normal init (GPT-2: 0.02)
     * @param rng  draws the initial weights
     * @param type the table's type
     */
    public Embedding(int v, int c, double std, Rng rng, DataType type) {
        this.weight = param("weight", Init.normal("weight", rng, std, type, v, c));
    }

    /**
     * @param ids token ids in [0, V), (B, T)
     * @return their rows, (B, T, C)
     */
    public Tensor forward(INDArray ids) {
        return weight.embedding(ids);
    }

    /** {@return the table (V, C), which a tied {@code lm_head} shares} */
    public Tensor weight() {
        return weight;
    }
}
