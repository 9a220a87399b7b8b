package dev.quill.autograd;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Add}'s sums on the CPU, for FLOAT arrays, in Java loops split over Quill's threads:
 * <ul>
 *   <li>{@link #plus}: out[i] = a[i] + b[i mod m], where b (m elements) has a's shape or the shape of a's last
 *       axes, so it repeats (positions (T, C) added to every sequence of (B, T, C)). Each element is one float
 *       addition, as in ND4J's add: the same bits.</li>
 *   <li>{@link #sumRows}: the gradient of a repeated input, out[j] = sum over r of g[r m + j], rows added in
 *       order r = 0, 1, ... (ND4J's sum may add in another order: equal within rounding).</li>
 * </ul>
 * The residual connections of a step, the accumulation of gradients ({@code grad += g}) and the positions'
 * gradient go through here: ND4J runs each on one thread, with a cost per call of its own. {@link #add} and
 * {@link #addi} fall back to ND4J for other arrays (views, DOUBLE, a stretched axis, an empty array, a short
 * repeated operand); {@code AddKernelTest} holds both paths equal.
 */
final class AddKernel {

    private static final int PIECE = 1 << 15; // elements worth handing to another thread
    // a repeated operand shorter than this (a bias of a few values) would make the chunks as short: ND4J's
    // broadcast then costs less
    private static final int MIN_REPEAT = 64;

    private AddKernel() {
    }

    /** {@return x + y in a new array of the broadcast shape: here when {@link #takes} them, else by ND4J} */
    static INDArray add(INDArray x, INDArray y) {
        if (takes(x, y)) {
            return plus(x, y, Nd4j.createUninitialized(DataType.FLOAT, x.shape()));
        }
        if (takes(y, x)) {
            return plus(y, x, Nd4j.createUninitialized(DataType.FLOAT, y.shape()));   // float + commutes: same bits
        }
        return x.add(y);
    }

    /** {@return x, after x += y (y has x's shape or repeats into it): here when {@link #takes} them, else by ND4J} */
    static INDArray addi(INDArray x, INDArray y) {
        return takes(x, y) ? plus(x, y, x) : x.addi(y);
    }

    /**
     * @param a the larger operand
     * @param b the other
     * @return true when {@link #plus} runs on them: Java kernels on, both plain FLOAT and not empty, and b
     *         {@link #repeats} into a
     */
    static boolean takes(INDArray a, INDArray b) {
        return a.dataType() == DataType.FLOAT && !a.isEmpty() && !b.isEmpty() && Kernels.usable(a, b)
                && repeats(a.shape(), b.shape());
    }

    /** {@return true when {@link #sumRows} runs on g summed down to {@code shape}, the shape of g's last axes} */
    static boolean takesRows(INDArray g, long[] shape) {
        return g.dataType() == DataType.FLOAT && !g.isEmpty() && Kernels.usable(g) && repeats(g.shape(), shape);
    }

    /**
     * {@return true when {@code small} is {@code big}'s shape, or the shape of its last axes with at least
     * {@value #MIN_REPEAT} elements}
     */
    static boolean repeats(long[] big, long[] small) {
        if (small.length > big.length) {
            return false;
        }
        if (small.length < big.length && Shapes.length(small) < MIN_REPEAT) {
            return false;
        }
        int extra = big.length - small.length;
        for (int i = 0; i < small.length; i++) {
            if (small[i] != big[extra + i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * out = a + b, b repeated over a's leading axes.
     *
     * @param a   a plain FLOAT array
     * @param b   a plain FLOAT array that {@link #repeats} into a's shape
     * @param out a's shape; may be a itself (a += b), or b when b has a's shape
     * @return out
     */
    static INDArray plus(INDArray a, INDArray b, INDArray out) {
        int n = (int) a.length(), m = (int) b.length();
        FloatBuffer as = Scratch.floats(a), bs = Scratch.floats(b), os = Scratch.floats(out);
        Parallel.range(n, PIECE, Scratch.CHUNK, (from, to) -> plusRange(as, bs, os, m, from, to));
        return out;
    }

    /**
     * out = g summed over its leading axes down to {@code shape} (its last axes), rows in order.
     *
     * @param g     a plain FLOAT array, not empty
     * @param shape the shape of g's last axes
     * @return a new array of {@code shape}
     */
    static INDArray sumRows(INDArray g, long[] shape) {
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape);
        int m = (int) out.length(), rows = (int) (g.length() / m);
        FloatBuffer gs = Scratch.floats(g), os = Scratch.floats(out);
        Parallel.range(m, Math.max(1, PIECE / rows), Scratch.CHUNK, (from, to) -> sumRowsRange(gs, os, m, rows, from, to));
        return out;
    }

    /** Elements [from, to) of out = a + b, b (m values) repeated: a chunk at a time, never across b's end. */
    static void plusRange(FloatBuffer as, FloatBuffer bs, FloatBuffer os, int m, int from, int to) {
        float[] x = Scratch.get(0), y = Scratch.get(1);
        for (int s = from; s < to; ) {
            int j = s % m;                                             // where in b this chunk starts
            int len = Math.min(Scratch.CHUNK, Math.min(to - s, m - j));
            as.get(s, x, 0, len);
            bs.get(j, y, 0, len);
            for (int i = 0; i < len; i++) {
                x[i] += y[i];
            }
            os.put(s, x, 0, len);
            s += len;
        }
    }

    /** Elements [from, to) of out (m values): the sum of g's rows of m values, added in row order. */
    static void sumRowsRange(FloatBuffer gs, FloatBuffer os, int m, int rows, int from, int to) {
        float[] acc = Scratch.get(0), x = Scratch.get(1);
        for (int s = from; s < to; s += Scratch.CHUNK) {
            int len = Math.min(Scratch.CHUNK, to - s);
            gs.get(s, acc, 0, len);                                    // row 0
            for (int r = 1; r < rows; r++) {
                gs.get(r * m + s, x, 0, len);
                for (int i = 0; i < len; i++) {
                    acc[i] += x[i];
                }
            }
            os.put(s, acc, 0, len);
        }
    }
}
