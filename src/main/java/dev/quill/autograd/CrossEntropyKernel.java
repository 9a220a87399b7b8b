package dev.quill.autograd;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link CrossEntropy}'s math on the CPU, for the arrays {@link Kernels#usable} accepts: one Java pass per row
 * does it all (max, exp and sum, log, the row's loss; the backward scales and subtracts 1 at the target), rows
 * split over Quill's threads. FLOAT rows are copied into a float[] and use {@link FastMath#exp} with the sum in
 * double, or, where {@link Kernels#vector} allows, the Vector API's exp and lane sums ({@code VectorSoftmax});
 * DOUBLE rows (the gradient checks) use Math.exp. {@code FusedOpTest} holds it equal to the plain path.
 */
final class CrossEntropyKernel {

    // rows worth handing to another thread: about 16k logits (the baby batch, 768 x 65, in three pieces)
    private static final int PIECE_ELEMENTS = 1 << 14;
    private static final ThreadLocal<float[]> ROW = ThreadLocal.withInitial(() -> new float[0]);

    private CrossEntropyKernel() {
    }

    /**
     * Each row: p = exp(x - max) / sum, loss = log(sum) + max - x[t] (0 for an ignored row).
     *
     * @param flat        the logits (N, V), plain
     * @param probs       receives softmax(x) (N, V), plain, flat's type
     * @param targets     N target ids
     * @param ignoreIndex the target that marks a row to skip
     * @return the N row losses
     */
    static double[] forward(INDArray flat, INDArray probs, int[] targets, int ignoreIndex) {
        int rows = (int) flat.size(0), v = (int) flat.size(1);
        double[] rowLoss = new double[rows];
        if (flat.dataType() == DataType.FLOAT) {
            FloatBuffer xs = Scratch.floats(flat), ps = Scratch.floats(probs);
            Parallel.range(rows, Math.max(1, PIECE_ELEMENTS / v), 1,
                    (from, to) -> forwardRows(xs, ps, from, to, v, targets, ignoreIndex, rowLoss));
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

    /** FLOAT rows [from, to) of the logits xs (N, v): softmax into ps, each row's loss into rowLoss. */
    static void forwardRows(FloatBuffer xs, FloatBuffer ps, int from, int to, int v, int[] targets, int ignoreIndex,
                            double[] rowLoss) {
        float[] x = row(v), lanes = Scratch.get(0);
        boolean vector = Kernels.vectorRequested(); // not vector(): it asks ND4J, which the warm-up runs without
        for (int i = from; i < to; i++) {
            xs.get(i * v, x, 0, v);
            rowLoss[i] = vector ? VectorSoftmax.softmaxRow(x, v, targets[i], ignoreIndex, lanes)
                    : softmaxRow(x, v, targets[i], ignoreIndex);
            ps.put(i * v, x, 0, v);
        }
    }

    /** One float row x (v) becomes its softmax, in place; returns its loss for target t (0 if ignored). */
    private static double softmaxRow(float[] x, int v, int t, int ignoreIndex) {
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

    /**
     * g = (softmax(x) - onehot(t)) * scale, row by row; rows whose target is ignored are 0 (even where p is NaN).
     *
     * @param probs       softmax(x) (N, V) as {@link #forward} left it
     * @param g           receives the gradient (N, V), plain, probs's type
     * @param targets     N target ids
     * @param ignoreIndex the target that marks a row to skip
     * @param scale       dL/d(loss) / (rows not ignored)
     */
    static void backward(INDArray probs, INDArray g, int[] targets, int ignoreIndex, double scale) {
        int rows = (int) probs.size(0), v = (int) probs.size(1);
        if (probs.dataType() == DataType.FLOAT) {
            FloatBuffer ps = Scratch.floats(probs), gs = Scratch.floats(g);
            Parallel.range(rows, Math.max(1, PIECE_ELEMENTS / v), 1,
                    (from, to) -> backwardRows(ps, gs, from, to, v, targets, ignoreIndex, (float) scale));
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

    /** FLOAT rows [from, to): g = (p - onehot(t)) * scale, 0 for an ignored row (even where p is NaN). */
    static void backwardRows(FloatBuffer ps, FloatBuffer gs, int from, int to, int v, int[] targets, int ignoreIndex,
                             float scale) {
        float[] x = row(v);
        for (int i = from; i < to; i++) {
            int t = targets[i];
            if (t == ignoreIndex) {
                Arrays.fill(x, 0, v, 0f);
            } else {
                ps.get(i * v, x, 0, v);
                float pt = x[t];
                for (int j = 0; j < v; j++) {
                    x[j] *= scale;
                }
                x[t] = (pt - 1f) * scale;                                               // softmax - onehot
            }
            gs.put(i * v, x, 0, v);
        }
    }
}
