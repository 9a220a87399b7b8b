package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = ln x.  dL/dx = dy / x. */
final class Log extends Function {

    private INDArray x;

    static Tensor apply(Tensor x) {
        Log f = new Log();
        f.x = x.value();
        return f.output(Transforms.log(f.x, true), x);
    }

    @Override
    protected void backward(INDArray dy) {
        accumulateOwned(0, dy.div(x));
    }
}
