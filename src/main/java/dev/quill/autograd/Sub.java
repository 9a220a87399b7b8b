package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/** y = a - b, broadcasting.  dL/da = sumTo(dy), dL/db = -sumTo(dy). */
final class Sub extends Function {

    private long[] aShape;
    private long[] bShape;

    static Tensor apply(Tensor a, Tensor b) {
        Elementwise.check("sub", a, b);
        Sub f = new Sub();
        f.aShape = a.shape();
        f.bShape = b.shape();
        return f.output(a.value().sub(b.value()), a, b);
    }

    @Override
    protected void backward(INDArray dy) {
        if (needsGrad(0)) {
            accumulate(0, Shapes.sumTo(dy, aShape));
        }
        if (needsGrad(1)) {
            accumulateOwned(1, Shapes.sumTo(dy, bShape).neg());
        }
    }
}
