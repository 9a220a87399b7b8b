package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Softmax over the last axis: y_i = exp(x_i - max x) / sum_j exp(x_j - max x).
 * Its Jacobian is dy_i/dx_j = y_i (delta_ij - y_j), so dL/dx = y * (dL/dy - sum_j(dL/dy_j * y_j)).
 */
final class Softmax extends Function {

    private INDArray y;

    static Tensor apply(Tensor x) {
        Softmax f = new Softmax();
        INDArray in = x.value();
        f.y = in.ulike();
        Nd4j.exec(new SoftMax(in, f.y, in.rank() - 1));
        return f.output(f.y, x);
    }

    @Override
    protected void backward(INDArray dy) {
        int last = y.rank() - 1;
        INDArray dot = dy.mul(y).sum(true, last); // (..., 1)
        accumulateOwned(0, dy.sub(dot).muli(y));
    }
}
