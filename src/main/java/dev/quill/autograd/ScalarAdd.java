package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/** y = x + c for a constant c.  dL/dx = dy. */
final class ScalarAdd extends Function {

    static Tensor apply(Tensor x, double c) {
        // see ScalarMul: ND4J mishandles a NaN scalar operand
        INDArray y = Double.isNaN(c) ? x.value().ulike().assign(Double.NaN) : x.value().add(c);
        return new ScalarAdd().output(y, x);
    }

    @Override
    protected void backward(INDArray dy) {
        accumulate(0, dy);
    }
}
