package dev.quill.autograd;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sums of FLOAT arrays in Java loops split over Quill's threads: the residual additions of a step and the
 * accumulation of gradients ({@code grad += g}), which ND4J runs on one thread with a per-call cost of its own.
 * <ul>
 *   <li>{@link #sum}: out = a + b, where b has a's shape or the shape of a's last axes (b repeats, as when
 *       positions (T, C) are added to every sequence of (B, T, C));</li>
 *   <li>{@link #sumLeading}: the reverse of that repetition, out[j] = sum over r of g[r * m + j], the
 *       gradient of the repeated input (rows summed in order, r = 0, 1, ...).</li>
 * </ul>
 * Each element is one float addition, as ND4J's add computes it, so {@link #sum} gives the same bits;
 * {@link #sumLeading} adds in its own order. The ops ask {@link #takes} and fall back to ND4J otherwise;
 * {@code FusedOpTest} holds both paths equal.
 */
final class AddKernel {

    private static final int PIECE = 1 << 15; // elements worth handing to another thread (~10 us of work)
    // a repeated operand shorter than this (a bias of a few values) would make the chunks as short: ND4J's
    // broadcast then costs less
    private static final int MIN_REPEAT = 64;

    private AddKernel() {
    }

    /**
     * @param a the larger operand
     * @param b the other: a's shape, or the shape of a's last axes
     * @return true when the Java loops run on these arrays (Java kernels on, both plain FLOAT)
     */
    static boolean takes(INDArray a, INDArray b) {
        return a.dataType() == DataType.FLOAT && Kernels.usable(a, b) && repeats(a.shape(), b.shape());
    }

    /** {@return true when {@link #sumLeading} runs on g, summed down to {@code shape}} */
    static boolean takes(INDArray g, long[] shape) {
        return g.dataType() == DataType.FLOAT && Kernels.usable(g) && repeats(g.shape(), shape);
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
     * @param b   a plain FLOAT array, {@link #repeats repeating} into a's shape
     * @param out a's shape; may be a itself (a += b), or b when b has a's shape
     * @return out
     */
    static INDArray sum(INDArray a, INDArray b, INDArray out) {
        int n = (int) a.length(), m = (int) b.length();
        FloatBuffer as = Scratch.floats(a), bs = Scratch.floats(b), os = Scratch.floats(out);
        Parallel.range(n, PIECE, Scratch.CHUNK, (from, to) -> {
            float[] x = Scratch.get(0), y = Scratch.get(1);
            for (int s = from; s < to; ) {
                int j = s % m;                                         // where in b this chunk starts
                int len = Math.min(Scratch.CHUNK, Math.min(to - s, m - j));
                as.get(s, x, 0, len);
                bs.get(j, y, 0, len);
                for (int i = 0; i < len; i++) {
                    x[i] += y[i];
                }
                os.put(s, x, 0, len);
                s += len;
            }
        });
        return out;
    }

    /** {@return a new array a + b (see {@link #sum(INDArray, INDArray, INDArray)})} */
    static INDArray sum(INDArray a, INDArray b) {
        return sum(a, b, Nd4j.createUninitialized(DataType.FLOAT, a.shape()));
    }

    /** {@return x + y in a new array, x's shape: here when {@link #takes} them, else by ND4J (broadcasting)} */
    static INDArray add(INDArray x, INDArray y) {
        if (takes(x, y)) {
            return sum(x, y);
        }
        return takes(y, x) ? sum(y, x) : x.add(y);          // float addition commutes: the same bits
    }

    /** {@return x, after x += y (y has x's shape or repeats into it): here when {@link #takes} them, else by ND4J} */
    static INDArray addi(INDArray x, INDArray y) {
        return takes(x, y) ? sum(x, y, x) : x.addi(y);
    }

    /**
     * out = g summed over its leading axes down to {@code shape} (its last axes).
     *
     * @param g     a plain FLOAT array
     * @param shape the shape of g's last axes
     * @return a new array of {@code shape}
     */
    static INDArray sumLeading(INDArray g, long[] shape) {
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, shape);
        int m = (int) out.length(), rows = (int) (g.length() / m);
        FloatBuffer gs = Scratch.floats(g), os = Scratch.floats(out);
        Parallel.range(m, Math.max(1, PIECE / rows), Scratch.CHUNK, (from, to) -> {
            float[] acc = Scratch.get(0), x = Scratch.get(1);
            for (int s = from; s < to; s += Scratch.CHUNK) {
                int len = Math.min(Scratch.CHUNK, to - s);
                gs.get(s, acc, 0, len);                                // row 0
                for (int r = 1; r < rows; r++) {
                    gs.get(r * m + s, x, 0, len);
                    for (int i = 0; i < len; i++) {
                        acc[i] += x[i];
                    }
                }
                os.put(s, acc, 0, len);
            }
        });
        return out;
    }
}
