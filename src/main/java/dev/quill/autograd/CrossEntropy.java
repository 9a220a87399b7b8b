package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Mean cross-entropy from logits, fused with its softmax so the gradient is the famous simple one.
 * For row i with target t_i (rows whose target equals the ignore index count for nothing; n = the
 * number of other rows):
 * <pre>
 *   L = (1/n) sum_i [ logsumexp(x_i) - x_i[t_i] ]
 *   dL/dx_i = (softmax(x_i) - onehot(t_i)) / n        (0 for ignored rows)
 * </pre>
 * logsumexp is computed after subtracting the row maximum, so large logits do not overflow. The forward
 * keeps softmax(x) (N, V) for the backward, which then needs no exp. A batch in which every target is
 * ignored has loss 0 and gradient 0.
 *
 * <p>Below, the plain path in ND4J ops; on the CPU {@link CrossEntropyKernel} does each row in one Java
 * pass, rows split over Quill's threads. The row losses are added in row order, so the loss does not depend
 * on the thread count.
 */
final class CrossEntropy extends Function {

    private INDArray probs; // softmax of each row (N, V)
    private int[] targets;
    private int ignoreIndex;
    private int count;
    private long[] logitShape;

    static Tensor apply(Tensor logits, INDArray targetArray, int ignoreIndex) {
        INDArray x = logits.value();
        long v = x.size(x.rank() - 1);
        if (v == 0) {
            throw new IllegalArgumentException("crossEntropy: logits " + Shapes.str(x.shape()) + " have no classes");
        }
        long rows = x.length() / v;
        if (targetArray.length() != rows) {
            throw new IllegalArgumentException("crossEntropy: logits " + Shapes.str(x.shape()) + " need "
                    + rows + " targets, got shape " + Shapes.str(targetArray.shape()));
        }
        CrossEntropy f = new CrossEntropy();
        f.logitShape = x.shape();
        f.ignoreIndex = ignoreIndex;
        f.targets = Shapes.reshape(targetArray, -1).toIntVector();
        f.count = countScored(f.targets, v, ignoreIndex);
        if (rows == 0) {                                                       // nothing to score: loss 0, no gradient
            return f.output(Nd4j.scalar(x.dataType(), 0.0), logits);
        }
        INDArray flat = Shapes.reshape(Shapes.contiguous(x), rows, v);         // (N, V)
        double[] rowLoss;
        if (Kernels.usable(flat)) {
            f.probs = Nd4j.createUninitialized(flat.dataType(), rows, v);
            rowLoss = CrossEntropyKernel.forward(flat, f.probs, f.targets, ignoreIndex);
        } else {
            rowLoss = f.forward(flat);
        }
        double loss = f.count == 0 ? 0.0 : sumInOrder(rowLoss) / f.count;
        return f.output(Nd4j.scalar(x.dataType(), loss), logits);
    }

    // The loops of apply live in methods of their own: a loop that runs long inside a big method makes the
    // JIT compile the whole method around it, with everything it calls, while the loop runs (on-stack
    // replacement), here 0.45 s of compiler time during a baby run's first steps.

    /** {@return how many targets are scored (not the ignore index)}, each checked against the vocabulary */
    private static int countScored(int[] targets, long v, int ignoreIndex) {
        int n = 0;
        for (int i = 0; i < targets.length; i++) {
            int t = targets[i];
            if (t == ignoreIndex) {
                continue;
            }
            if (t < 0 || t >= v) {
                throw new IllegalArgumentException("crossEntropy: target " + t + " at row " + i
                        + " is outside the vocabulary of " + v + " (ignore index " + ignoreIndex + ")");
            }
            n++;
        }
        return n;
    }

    /** {@return the sum of the row losses, added in row order} */
    private static double sumInOrder(double[] rowLoss) {
        double total = 0;
        for (double l : rowLoss) {
            total += l;
        }
        return total;
    }

    /** Row i's loss is -log softmax(x_i)[t_i]; keeps softmax(x) (N, V) for the backward. */
    private double[] forward(INDArray flat) {
        INDArray logProbs = LogSoftmax.stable(flat);                           // log softmax per row
        double[] rowLoss = new double[targets.length];
        for (int i = 0; i < rowLoss.length; i++) {
            if (targets[i] != ignoreIndex) {
                rowLoss[i] = -logProbs.getDouble(i, targets[i]);
            }
        }
        probs = Transforms.exp(logProbs, false);
        return rowLoss;
    }

    @Override
    protected void backward(INDArray dy) {
        if (probs == null) {                                                   // no rows
            return;
        }
        double scale = count == 0 ? 0.0 : dy.getDouble(0) / count;
        INDArray g = Nd4j.createUninitialized(probs.dataType(), probs.shape());  // (N, V)
        if (Kernels.usable(probs, g)) {
            CrossEntropyKernel.backward(probs, g, targets, ignoreIndex, scale);
        } else {
            backward(g, scale);
        }
        accumulateOwned(0, Shapes.reshape(g, logitShape));
    }

    /** g = (softmax(x) - onehot(t)) * scale, row by row; rows whose target is ignored are 0. */
    private void backward(INDArray g, double scale) {
        long rows = probs.size(0);
        g.assign(probs);
        INDArray rowScale = Nd4j.create(g.dataType(), rows, 1);
        for (int i = 0; i < rows; i++) {
            int t = targets[i];
            if (t != ignoreIndex) {
                g.putScalar(i, t, g.getDouble(i, t) - 1.0);                       // softmax - onehot
                rowScale.putScalar(i, 0, scale);
            }
        }
        g.muliColumnVector(rowScale);
    }
}
