package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/** y = x + c for a constant c.  dL/dx = dy. */
final class ScalarAdd extends Function {

    static Tensor apply(Tensor x, double c) {
        return new ScalarAdd().output(x.value().add(c), x);
    }

    @Override
    protected void backward(INDArray dy) {
        accumulate(0, dy);
    }
}
