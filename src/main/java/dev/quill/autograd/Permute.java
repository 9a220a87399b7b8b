package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * y = x with its axes reordered: y.shape[i] = x.shape[axes[i]]. The backward applies the inverse
 * permutation to dL/dy. The output is copied into c order, so the matrix products that usually follow
 * get a plain layout.
 */
final class Permute extends Function {

    private int[] inverse;

    static Tensor apply(Tensor x, int... axes) {
        int rank = x.rank();
        if (axes.length != rank) {
            throw new IllegalArgumentException("permute: " + axes.length + " axes given for a tensor of shape "
                    + Shapes.str(x.shape()));
        }
        Permute f = new Permute();
        f.inverse = new int[rank];
        boolean[] used = new boolean[rank];
        for (int i = 0; i < rank; i++) {
            int a = Shapes.axis("permute", axes[i], rank);
            if (used[a]) {
                throw new IllegalArgumentException("permute: axis " + a + " repeated in " + java.util.Arrays.toString(axes));
            }
            used[a] = true;
            f.inverse[a] = i;
        }
        return f.output(x.value().permute(axes).dup('c'), x);
    }

    static Tensor swap(Tensor x, int a, int b) {
        int rank = x.rank();
        int[] axes = new int[rank];
        for (int i = 0; i < rank; i++) {
            axes[i] = i;
        }
        int ra = Shapes.axis("transpose", a, rank);
        int rb = Shapes.axis("transpose", b, rank);
        axes[ra] = rb;
        axes[rb] = ra;
        return apply(x, axes);
    }

    @Override
    protected void backward(INDArray dy) {
        accumulate(0, dy.permute(inverse));
    }
}
