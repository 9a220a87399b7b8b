package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = e^x.  dL/dx = dy * e^x = dy * y. */
final class Exp extends Function {

    private INDArray y;

    static Tensor apply(Tensor x) {
        Exp f = new Exp();
        f.y = Transforms.exp(x.value(), true);
        return f.output(f.y, x);
    }

    @Override
    protected void backward(INDArray dy) {
        accumulateOwned(0, dy.mul(y));
    }
}
