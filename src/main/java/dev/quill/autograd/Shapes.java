package dev.quill.autograd;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shape arithmetic shared by the ops: broadcasting, reduction back to an input's shape, checks. */
public final class Shapes {

    private Shapes() {
    }

    /**
     * @param shape any shape
     * @return the shape as every message prints it: {@code (2, 3, 4)}, {@code (5,)}, {@code ()}
     */
    public static String str(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(shape[i]);
        }
        return sb.append(shape.length == 1 ? ",)" : ")").toString();
    }

    /**
     * The NumPy broadcast of two shapes: align from the right; each pair of sizes must be equal or one
     * of them 1. Fails naming the op and both shapes.
     *
     * @param op the op's name, for the message
     * @param a  one operand's shape
     * @param b  the other's
     * @return the shape of the result, of the larger rank
     * @throws IllegalArgumentException when the shapes do not broadcast
     */
    public static long[] broadcast(String op, long[] a, long[] b) {
        int rank = Math.max(a.length, b.length);
        long[] out = new long[rank];
        for (int i = 0; i < rank; i++) {
            long da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
            long db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(op + ": shapes " + str(a) + " and " + str(b)
                        + " do not broadcast (axis " + i + ": " + da + " vs " + db + ")");
            }
            out[i] = Math.max(da, db);
        }
        return out;
    }

    /**
     * The backward of broadcasting: sums {@code g} over the axes that broadcasting created or stretched,
     * so the result has {@code shape}. If y = x + b with b of shape (C) and y of shape (B, T, C), then
     * dL/db = sum over B and T of dL/dy.
     *
     * @param g     the gradient of a broadcast result
     * @param shape the shape of the input that was broadcast; {@code g}'s shape must broadcast from it
     * @return {@code g} itself when the shapes are equal, else a new array of {@code shape}
     */
    public static INDArray sumTo(INDArray g, long[] shape) {
        long[] gs = g.shape();
        if (Arrays.equals(gs, shape)) {
            return g;
        }
        int extra = gs.length - shape.length;
        int[] axes = new int[gs.length];
        int n = 0;
        for (int i = 0; i < gs.length; i++) {
            boolean created = i < extra;
            boolean stretched = !created && shape[i - extra] == 1 && gs[i] != 1;
            if (created || stretched) {
                axes[n++] = i;
            }
        }
        if (n == extra && extra > 0 && AddKernel.takesRows(g, shape)) {   // only new leading axes: rows summed
            return AddKernel.sumRows(g, shape);
        }
        INDArray summed = n == 0 ? g : g.sum(true, Arrays.copyOf(axes, n));
        return reshape(summed, shape);
    }

    /**
     * @param shape any shape
     * @return the number of elements (1 for a scalar's empty shape)
     */
    public static long length(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    /**
     * Resolves a negative axis ({@code -1} is the last) and checks the range.
     *
     * @param op   the op's name, for the message
     * @param axis an axis in [-rank, rank)
     * @param rank the array's rank
     * @return the axis in [0, rank)
     * @throws IllegalArgumentException when the axis is out of range
     */
    public static int axis(String op, int axis, int rank) {
        int a = axis < 0 ? axis + rank : axis;
        if (a < 0 || a >= rank) {
            throw new IllegalArgumentException(op + ": axis " + axis + " is out of range for rank " + rank);
        }
        return a;
    }

    /**
     * A c-ordered array whose elements are {@link #dense dense}, copying only when they are not. GEMM and
     * the native ops take a dense view as it is, so the common views cost nothing: a reshape of a plain
     * array, or one slice along the first axis (which starts at an offset into its buffer).
     */
    static INDArray contiguous(INDArray x) {
        if (x.ordering() == 'c' && dense(x)) {
            return x;
        }
        return x.dup('c');
    }

    /**
     * True when {@code x}'s strides are those of a fresh c-order array of its shape, so its elements lie in
     * one gap-free run in c order (possibly starting at an offset). The stride of an axis of size 1 is never
     * used and may be anything. Checked on the strides themselves, because ND4J can report a permuted
     * view's ordering as 'c' when its strides are not c-contiguous.
     */
    static boolean dense(INDArray x) {
        long[] shape = x.shape();
        long[] stride = x.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * {@code x.reshape(shape)} in c order, as a view where one is possible. A {@link #dense dense} c-order
     * {@code x} gets a new array over its own buffer object, with c-order strides; ND4J's reshape wraps
     * the buffer in a new view buffer first (a native object and a deallocation record each time) and
     * runs NumPy's general stride search. Any other {@code x} goes to ND4J's reshape. The result shares x's
     * buffer object, and ND4J may not count it as a view: never close it while x is in use.
     *
     * @param x     any array
     * @param shape the new shape, of x's length; one size may be -1 (the rest of the length)
     * @return a view of x with that shape, or ND4J's result where x's strides need its search or a copy
     */
    static INDArray reshape(INDArray x, long... shape) {
        long[] s = shape.clone();
        long known = 1;
        int free = -1;
        for (int i = 0; i < s.length; i++) {
            if (s[i] == -1 && free < 0) {
                free = i;
            } else {
                known *= s[i];
            }
        }
        long n = x.length();
        if (free >= 0 && known > 0) {
            s[free] = n / known;
        }
        if (x.ordering() != 'c' || !dense(x) || x.isEmpty() || length(s) != n || s.length == 0) {
            return x.reshape('c', shape);
        }
        long[] stride = new long[s.length];
        long step = 1;
        for (int i = s.length - 1; i >= 0; i--) {   // c order: the last axis is the fastest
            stride[i] = step;
            step *= s[i];
        }
        return Nd4j.create(x.data(), s, stride, 0L, 1L, 'c');
    }
}
