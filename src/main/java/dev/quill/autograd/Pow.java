package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** y = x^p for a constant p (sqrt is p = 1/2, rsqrt p = -1/2).  dL/dx = dy * p * x^(p-1). */
final class Pow extends Function {

    private INDArray x;
    private double p;

    static Tensor apply(Tensor x, double p) {
        Pow f = new Pow();
        f.x = x.value();
        f.p = p;
        return f.output(Transforms.pow(f.x, p, true), x);
    }

    @Override
    protected void backward(INDArray dy) {
        accumulateOwned(0, Transforms.pow(x, p - 1, true).muli(dy).muli(p));
    }
}
