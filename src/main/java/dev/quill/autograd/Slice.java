package dev.quill.autograd;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * y = x[..., from:to, ...] along one axis (a view, no copy). dL/dx is zero except in the slice, where
 * it is dL/dy; {@link #split} makes one slice per piece, so the pieces' gradients add up to the whole.
 */
final class Slice extends Function {

    private long[] xShape;
    private INDArrayIndex[] where;

    static Tensor apply(Tensor x, int axis, long from, long to) {
        INDArray v = x.value();
        int a = Shapes.axis("slice", axis, v.rank());
        if (from < 0 || to > v.size(a) || from >= to) {
            throw new IllegalArgumentException("slice: range [" + from + ", " + to + ") is empty or outside axis "
                    + a + " of shape " + Shapes.str(v.shape()));
        }
        Slice f = new Slice();
        f.xShape = v.shape();
        f.where = new INDArrayIndex[v.rank()];
        for (int i = 0; i < f.where.length; i++) {
            f.where[i] = i == a ? NDArrayIndex.interval(from, to) : NDArrayIndex.all();
        }
        return f.output(v.get(f.where), x);
    }

    static List<Tensor> split(Tensor x, int axis, int parts) {
        int a = Shapes.axis("split", axis, x.rank());
        long size = x.size(a);
        if (parts <= 0 || size % parts != 0) {
            throw new IllegalArgumentException("split: axis " + a + " of shape " + Shapes.str(x.shape())
                    + " does not divide into " + parts + " equal parts");
        }
        long step = size / parts;
        List<Tensor> out = new ArrayList<>(parts);
        for (int i = 0; i < parts; i++) {
            out.add(apply(x, a, i * step, (i + 1) * step));
        }
        return out;
    }

    @Override
    protected void backward(INDArray dy) {
        INDArray g = Nd4j.zeros(dy.dataType(), xShape);
        g.get(where).assign(dy);
        accumulateOwned(0, g);
    }
}
