package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/** y = c * x for a constant c.  dL/dx = c * dy. */
final class ScalarMul extends Function {

    private double c;

    static Tensor apply(Tensor x, double c) {
        ScalarMul f = new ScalarMul();
        f.c = c;
        return f.output(x.value().mul(c), x);
    }

    @Override
    protected void backward(INDArray dy) {
        accumulateOwned(0, dy.mul(c));
    }
}
