package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Log-softmax over the last axis: y_i = x_i - log sum_j exp(x_j), computed stably (see {@link #stable}).
 * dy_i/dx_j = delta_ij - softmax_j, so dL/dx = dL/dy - softmax(x) * sum_i(dL/dy_i), softmax = exp(y).
 */
final class LogSoftmax extends Function {

    private INDArray y;

    static Tensor apply(Tensor x) {
        LogSoftmax f = new LogSoftmax();
        INDArray in = x.value();
        f.y = stable(in);
        return f.output(f.y, x);
    }

    /**
     * x - max - log(sum(exp(x - max))) over the last axis. ND4J's own LogSoftMax op takes the log of a
     * softmax, which underflows to log(0) = -infinity when logits differ by more than ~100 (float) or ~750
     * (double); shifting by the maximum first keeps every term finite.
     */
    static INDArray stable(INDArray x) {
        int last = x.rank() - 1;
        INDArray shifted = x.sub(x.max(true, last));                                  // (..., V), max 0
        INDArray logSum = Transforms.log(Transforms.exp(shifted, true).sum(true, last), false); // (..., 1)
        return shifted.subi(logSum);
    }

    @Override
    protected void backward(INDArray dy) {
        INDArray total = dy.sum(true, y.rank() - 1); // (..., 1)
        accumulateOwned(0, Transforms.exp(y, true).muli(total).rsubi(dy));
    }
}
