package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/** y = a * b elementwise, broadcasting.  dL/da = sumTo(dy * b), dL/db = sumTo(dy * a). */
final class Mul extends Function {

    private INDArray a;
    private INDArray b;

    static Tensor apply(Tensor a, Tensor b) {
        Elementwise.check("mul", a, b);
        Mul f = new Mul();
        f.a = a.value();
        f.b = b.value();
        return f.output(f.a.mul(f.b), a, b);
    }

    @Override
    protected void backward(INDArray dy) {
        if (needsGrad(0)) {
            accumulateOwned(0, Shapes.sumTo(dy.mul(b), a.shape()));
        }
        if (needsGrad(1)) {
            accumulateOwned(1, Shapes.sumTo(dy.mul(a), b.shape()));
        }
    }
}
