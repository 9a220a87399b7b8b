package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** y = the parts joined along one axis.  Each part's gradient is its own slice of dL/dy. */
final class Concat extends Function {

    private int axis;
    private long[] sizes;

    static Tensor apply(int axis, Tensor... parts) {
        if (parts.length == 0) {
            throw new IllegalArgumentException("concat: no tensors given");
        }
        int rank = parts[0].rank();
        int a = Shapes.axis("concat", axis, rank);
        Concat f = new Concat();
        f.axis = a;
        f.sizes = new long[parts.length];
        INDArray[] values = new INDArray[parts.length];
        for (int i = 0; i < parts.length; i++) {
            long[] s = parts[i].shape();
            long[] s0 = parts[0].shape();
            boolean ok = s.length == rank && parts[i].dataType() == parts[0].dataType();
            for (int d = 0; ok && d < rank; d++) {
                ok = d == a || s[d] == s0[d];
            }
            if (!ok) {
                throw new IllegalArgumentException("concat along axis " + a + ": part " + i + " has shape "
                        + Shapes.str(s) + " " + parts[i].dataType() + ", part 0 " + Shapes.str(s0) + " " + parts[0].dataType());
            }
            f.sizes[i] = s[a];
            values[i] = parts[i].value();
        }
        return f.output(Nd4j.concat(a, values), parts);
    }

    @Override
    protected void backward(INDArray dy) {
        long start = 0;
        for (int i = 0; i < sizes.length; i++) {
            if (needsGrad(i)) {
                INDArrayIndex[] where = new INDArrayIndex[dy.rank()];
                for (int d = 0; d < where.length; d++) {
                    where[d] = d == axis ? NDArrayIndex.interval(start, start + sizes[i]) : NDArrayIndex.all();
                }
                accumulate(i, dy.get(where));
            }
            start += sizes[i];
        }
    }
}
