package dev.quill.autograd;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
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
 * <p>On the CPU one Java pass per row does it all (max, exp and sum, log, the row's loss; the backward
 * scales and subtracts 1 at the target), rows split over Quill's threads: FLOAT rows copied into a float[]
 * with {@link FastMath#exp} and the sum in double, DOUBLE rows (the gradient checks) with Math.exp;
 * elsewhere ND4J ops. The row losses are added in row order, so the loss does not depend on
 * the thread count.
 */
final class CrossEntropy extends Function {

    private INDArray probs; // softmax of each row (N, V)
    private int[] targets;
    private int ignoreIndex;
    private int count;
    private long[] logitShape;

    // rows worth handing to another thread: about 16k logits (the baby batch, 768 x 65, in three pieces)
    private static final int PIECE_ELEMENTS = 1 << 14;
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

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
        f.targets = targetArray.reshape(-1).toIntVector();
        for (int i = 0; i < rows; i++) {
            int t = f.targets[i];
            if (t == ignoreIndex) {
                continue;
            }
            if (t < 0 || t >= v) {
                throw new IllegalArgumentException("crossEntropy: target " + t + " at row " + i
                        + " is outside the vocabulary of " + v + " (ignore index " + ignoreIndex + ")");
            }
            f.count++;
        }
        if (rows == 0) {                                                       // nothing to score: loss 0, no gradient
            return f.output(Nd4j.scalar(x.dataType(), 0.0), logits);
        }
        INDArray flat = Shapes.contiguous(x).reshape(rows, v);                 // (N, V)
        double[] rowLoss = HostBuffer.usable(flat) ? f.forwardJava(flat) : f.forwardNd4j(flat);
        double total = 0;
        for (double l : rowLoss) {                                             // in row order
            total += l;
        }
        double loss = f.count == 0 ? 0.0 : total / f.count;
        return f.output(Nd4j.scalar(x.dataType(), loss), logits);
    }

    /** Each row: p = exp(x - max) / sum, loss = log(sum) + max - x[t]. Returns the row losses. */
    private double[] forwardJava(INDArray flat) {
        int rows = (int) flat.size(0), v = (int) flat.size(1);
        probs = Nd4j.createUninitialized(flat.dataType(), rows, v);
        double[] rowLoss = new double[rows];
        if (flat.dataType() == DataType.FLOAT) {
            FloatBuffer xs = Scratch.floats(flat), ps = Scratch.floats(probs);
            Parallel.range(rows, Math.max(1, PIECE_ELEMENTS / v), 1, (from, to) -> {
                float[] x = row(v);
                for (int i = from; i < to; i++) {
                    xs.get(i * v, x, 0, v);
                    rowLoss[i] = softmaxRow(x, v, targets[i]);
                    ps.put(i * v, x, 0, v);
                }
            });
            return rowLoss;
        }
        HostBuffer xs = HostBuffer.of(flat), ps = HostBuffer.of(probs);     // DOUBLE: the gradient checks
        Parallel.range(rows, Math.max(1, PIECE_ELEMENTS / v), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                int base = i * v;
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < v; j++) {
                    max = Math.max(max, xs.get(base + j));
                }
                double sum = 0;
                for (int j = 0; j < v; j++) {
                    double e = Math.exp(xs.get(base + j) - max);
                    ps.set(base + j, e);
                    sum += e;
                }
                double inv = 1.0 / sum;
                for (int j = 0; j < v; j++) {
                    ps.set(base + j, ps.get(base + j) * inv);
                }
                int t = targets[i];
                rowLoss[i] = t == ignoreIndex ? 0.0 : Math.log(sum) + max - xs.get(base + t);
            }
        });
        return rowLoss;
    }

    /** One float row x (v) becomes its softmax, in place; returns its loss for target t (0 if ignored). */
    private double softmaxRow(float[] x, int v, int t) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < v; j++) {
            max = Math.max(max, x[j]);
        }
        double xt = t == ignoreIndex ? 0.0 : x[t];
        double sum = 0;
        for (int j = 0; j < v; j++) {
            float e = FastMath.exp(x[j] - max);
            x[j] = e;
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < v; j++) {
            x[j] *= inv;
        }
        return t == ignoreIndex ? 0.0 : Math.log(sum) + max - xt;
    }

    /** This thread's float array of at least v elements (one row), grown when a larger vocabulary comes. */
    private static float[] row(int v) {
        float[] r = ROW.get();
        if (r.length < v) {
            r = new float[v];
            ROW.set(r);
        }
        return r;
    }

    private double[] forwardNd4j(INDArray flat) {
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
        if (HostBuffer.usable(probs, g)) {
            backwardJava(g, scale);
        } else {
            backwardNd4j(g, scale);
        }
        accumulateOwned(0, g.reshape(logitShape));
    }

    private void backwardJava(INDArray g, double scale) {
        int rows = (int) probs.size(0), v = (int) probs.size(1);
        if (probs.dataType() == DataType.FLOAT) {
            FloatBuffer ps = Scratch.floats(probs), gs = Scratch.floats(g);
            Parallel.range(rows, Math.max(1, PIECE_ELEMENTS / v), 1, (from, to) -> {
                float[] x = row(v);
                for (int i = from; i < to; i++) {
                    int t = targets[i];
                    if (t == ignoreIndex) {                                             // 0, even where p is NaN
                        Arrays.fill(x, 0, v, 0f);
                    } else {
                        float s = (float) scale;
                        ps.get(i * v, x, 0, v);
                        float pt = x[t];
                        for (int j = 0; j < v; j++) {
                            x[j] *= s;
                        }
                        x[t] = (pt - 1f) * s;                                           // softmax - onehot
                    }
                    gs.put(i * v, x, 0, v);
                }
            });
            return;
        }
        HostBuffer ps = HostBuffer.of(probs), gs = HostBuffer.of(g);
        Parallel.range(rows, Math.max(1, PIECE_ELEMENTS / v), 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                int base = i * v, t = targets[i];
                boolean ignored = t == ignoreIndex;
                for (int j = 0; j < v; j++) {
                    gs.set(base + j, ignored ? 0.0 : ps.get(base + j) * scale);
                }
                if (!ignored) {
                    gs.set(base + t, (ps.get(base + t) - 1.0) * scale);            // softmax - onehot
                }
            }
        });
    }

    private void backwardNd4j(INDArray g, double scale) {
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
