package dev.quill.autograd;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * y = sum (or mean) of x over some axes, or over everything. Each x element contributes once to one
 * y element, so dL/dx is dL/dy copied back along the reduced axes (divided by the count for a mean).
 */
final class Sum extends Function {

    private long[] xShape;
    private long[] keptShape; // y's shape with the reduced axes kept as size 1
    private double scale;

    static Tensor apply(Tensor x, boolean mean, boolean keepDims, int... axes) {
        Sum f = new Sum();
        INDArray v = x.value();
        f.xShape = v.shape();
        int[] dims = axes.length == 0 ? allAxes(v.rank()) : resolve(axes, v.rank());
        long count = 1;
        f.keptShape = f.xShape.clone();
        for (int d : dims) {
            count *= f.xShape[d];
            f.keptShape[d] = 1;
        }
        f.scale = mean ? 1.0 / count : 1.0;
        INDArray y = v.sum(true, dims);
        if (mean) {
            y.muli(f.scale);
        }
        if (!keepDims) {
            y = Shapes.reshape(y, dropAxes(f.keptShape, dims));
        }
        return f.output(y, x);
    }

    @Override
    protected void backward(INDArray dy) {
        INDArray kept = Shapes.reshape(dy, keptShape);
        if (Arrays.equals(keptShape, xShape)) { // only size-1 axes were reduced: nothing to copy back
            accumulate(0, scale == 1.0 ? kept : kept.mul(scale));
            return;
        }
        INDArray g = kept.broadcast(xShape);
        accumulateOwned(0, scale == 1.0 ? g : g.muli(scale));
    }

    private static int[] allAxes(int rank) {
        int[] all = new int[rank];
        Arrays.setAll(all, i -> i);
        return all;
    }

    private static int[] resolve(int[] axes, int rank) {
        int[] out = new int[axes.length];
        for (int i = 0; i < axes.length; i++) {
            out[i] = Shapes.axis("sum", axes[i], rank);
        }
        Arrays.sort(out);
        return out;
    }

    private static long[] dropAxes(long[] shape, int[] dims) {
        long[] out = new long[shape.length - dims.length];
        int n = 0;
        for (int i = 0; i < shape.length; i++) {
            if (Arrays.binarySearch(dims, i) < 0) {
                out[n++] = shape[i];
            }
        }
        return out;
    }
}
