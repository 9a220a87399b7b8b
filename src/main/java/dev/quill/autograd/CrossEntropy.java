package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Mean cross-entropy from logits, fused with its log-softmax so the gradient is the famous simple one.
 * For row i with target t_i (rows whose target equals the ignore index count for nothing; n = the
 * number of other rows):
 * <pre>
 *   L = (1/n) sum_i [ logsumexp(x_i) - x_i[t_i] ]
 *   dL/dx_i = (softmax(x_i) - onehot(t_i)) / n        (0 for ignored rows)
 * </pre>
 * logsumexp is computed after subtracting the row maximum, so large logits do not overflow. A batch in
 * which every target is ignored has loss 0 and gradient 0.
 */
final class CrossEntropy extends Function {

    private INDArray logProbs; // (N, V)
    private int[] targets;
    private int ignoreIndex;
    private int count;
    private long[] logitShape;

    static Tensor apply(Tensor logits, INDArray targetArray, int ignoreIndex) {
        INDArray x = logits.value();
        long v = x.size(x.rank() - 1);
        long rows = x.length() / v;
        if (targetArray.length() != rows) {
            throw new IllegalArgumentException("crossEntropy: logits " + Shapes.str(x.shape()) + " need "
                    + rows + " targets, got shape " + Shapes.str(targetArray.shape()));
        }
        CrossEntropy f = new CrossEntropy();
        f.logitShape = x.shape();
        f.ignoreIndex = ignoreIndex;
        f.targets = targetArray.reshape(-1).toIntVector();
        INDArray flat = Shapes.contiguous(x).reshape(rows, v);                 // (N, V)
        f.logProbs = LogSoftmax.stable(flat);                                   // log softmax per row
        double total = 0;
        for (int i = 0; i < rows; i++) {
            int t = f.targets[i];
            if (t == ignoreIndex) {
                continue;
            }
            if (t < 0 || t >= v) {
                throw new IllegalArgumentException("crossEntropy: target " + t + " at row " + i
                        + " is outside the vocabulary of " + v + " (ignore index " + ignoreIndex + ")");
            }
            total -= f.logProbs.getDouble(i, t);
            f.count++;
        }
        double loss = f.count == 0 ? 0.0 : total / f.count;
        return f.output(Nd4j.scalar(x.dataType(), loss), logits);
    }

    @Override
    protected void backward(INDArray dy) {
        long rows = logProbs.size(0);
        INDArray g = Transforms.exp(logProbs, true);                             // softmax (N, V)
        INDArray rowScale = Nd4j.create(g.dataType(), rows, 1);
        double scale = count == 0 ? 0.0 : dy.getDouble(0) / count;
        for (int i = 0; i < rows; i++) {
            int t = targets[i];
            if (t != ignoreIndex) {
                g.putScalar(i, t, g.getDouble(i, t) - 1.0);                       // softmax - onehot
                rowScale.putScalar(i, 0, scale);
            }
        }
        g.muliColumnVector(rowScale);
        accumulateOwned(0, g.reshape(logitShape));
    }
}
