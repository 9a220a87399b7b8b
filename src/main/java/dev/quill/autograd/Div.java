package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/** y = a / b elementwise, broadcasting.  dL/da = sumTo(dy / b), dL/db = sumTo(-dy * y / b). */
final class Div extends Function {

    private INDArray b;
    private INDArray y;
    private long[] aShape;

    static Tensor apply(Tensor a, Tensor b) {
        Elementwise.check("div", a, b);
        Div f = new Div();
        f.aShape = a.shape();
        f.b = b.value();
        f.y = a.value().div(f.b);
        return f.output(f.y, a, b);
    }

    @Override
    protected void backward(INDArray dy) {
        if (needsGrad(0)) {
            accumulateOwned(0, Shapes.sumTo(dy.div(b), aShape));
        }
        if (needsGrad(1)) {
            // d(a/b)/db = -a/b^2 = -y/b
            accumulateOwned(1, Shapes.sumTo(dy.mul(y).divi(b).negi(), b.shape()));
        }
    }
}
