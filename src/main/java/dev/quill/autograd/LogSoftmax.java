package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.LogSoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Log-softmax over the last axis: y_i = x_i - log sum_j exp(x_j), computed stably.
 * dy_i/dx_j = delta_ij - softmax_j, so dL/dx = dL/dy - softmax(x) * sum_i(dL/dy_i), softmax = exp(y).
 */
final class LogSoftmax extends Function {

    private INDArray y;

    static Tensor apply(Tensor x) {
        LogSoftmax f = new LogSoftmax();
        INDArray in = x.value();
        f.y = Nd4j.exec(new LogSoftMax(in, in.rank() - 1))[0];
        return f.output(f.y, x);
    }

    @Override
    protected void backward(INDArray dy) {
        INDArray total = dy.sum(true, y.rank() - 1); // (..., 1)
        accumulateOwned(0, Transforms.exp(y, true).muli(total).rsubi(dy));
    }
}
