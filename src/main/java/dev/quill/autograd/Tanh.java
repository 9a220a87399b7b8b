package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = tanh x.  dL/dx = dy * (1 - y^2). */
final class Tanh extends Function {

    private INDArray y;

    static Tensor apply(Tensor x) {
        Tanh f = new Tanh();
        f.y = Transforms.tanh(x.value(), true);
        return f.output(f.y, x);
    }

    @Override
    protected void backward(INDArray dy) {
        accumulateOwned(0, y.mul(y).rsubi(1.0).muli(dy));
    }
}
