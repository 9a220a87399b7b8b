package dev.quill.autograd;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The causal mask of attention: scores (..., T, T), row i = query position, column j = key position;
 * position i may only look at j <= i, so y_ij = x_ij for j <= i and -infinity for j > i (softmax then
 * gives those keys weight 0). dL/dx = dL/dy where kept and 0 where masked.
 */
final class CausalMask extends Function {

    /** (T, T) matrices of 0 (kept) and -inf (masked), and of 1 and 0, per size and type; made once. */
    private static final Map<String, INDArray[]> CACHE = new ConcurrentHashMap<>();

    private INDArray keep;

    static Tensor apply(Tensor x) {
        INDArray v = x.value();
        int r = v.rank();
        if (r < 2 || v.size(r - 1) != v.size(r - 2)) {
            throw new IllegalArgumentException("causalMask: needs scores of shape (..., T, T), got " + Shapes.str(v.shape()));
        }
        INDArray[] masks = masks(v.size(r - 1), v.dataType());
        CausalMask f = new CausalMask();
        f.keep = masks[1];
        return f.output(v.add(masks[0]), x);
    }

    private static INDArray[] masks(long t, DataType type) {
        return CACHE.computeIfAbsent(t + "/" + type, key -> MemoryScope.outside(() -> {
            INDArray keep = Nd4j.ones(type, t, t);
            INDArray add = Nd4j.zeros(type, t, t);
            for (long i = 0; i < t; i++) {
                for (long j = i + 1; j < t; j++) {
                    keep.putScalar(i, j, 0.0);
                    add.putScalar(i, j, Double.NEGATIVE_INFINITY);
                }
            }
            return new INDArray[] {add, keep};
        }));
    }

    @Override
    protected void backward(INDArray dy) {
        accumulateOwned(0, dy.mul(keep));
    }
}
