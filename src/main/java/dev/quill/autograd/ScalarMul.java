package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/** y = c * x for a constant c.  dL/dx = c * dy. */
final class ScalarMul extends Function {

    private double c;

    static Tensor apply(Tensor x, double c) {
        ScalarMul f = new ScalarMul();
        f.c = c;
        // ND4J 1.0.0-M2.1 turns a NaN scalar operand into 1e-5 (2 * NaN gives 2e-5), so NaN is spelled out
        INDArray y = Double.isNaN(c) ? x.value().ulike().assign(Double.NaN) : x.value().mul(c);
        return f.output(y, x);
    }

    @Override
    protected void backward(INDArray dy) {
        accumulateOwned(0, Double.isNaN(c) ? dy.ulike().assign(Double.NaN) : dy.mul(c));
    }
}
