package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Multi-head causal attention straight from the fused projection: qkv (B, T, 3C) in, y (B, T, C) out,
 * with the head split and merge inside the op. Splitting with slices, reshapes and permutes costs a copy
 * per piece forward and a zero-filled (B, T, 3C) gradient per piece backward; here the split is one copy
 * each way:
 * <pre>
 *   qkv (B, T, 3C) -> view (B, T, 3, nh, hs) -> copy as (3, B, nh, T, hs): q, k, v are its three slices
 *   y (B, nh, T, hs) -> copy as (B, T, nh, hs) = (B, T, C)
 * </pre>
 * and the backward runs the same two copies in reverse around {@link AttentionCore}. Each copy is cut
 * along the batch and shared among Quill's threads ({@link AttentionKernel#copy}). With the Vector API
 * (FLOAT on the CPU) there is no copy at all: the kernels read and write the heads in place (at the end).
 */
final class QkvAttentionOp extends Function {

    private AttentionCore core;
    private long[] shape; // B, T, nh, hs
    private boolean inPlace; // q, k, v are views of qkv (the Vector API kernels): the backward makes no copies either

    static Tensor apply(Tensor qkv, int nHead, double dropout, Rng rng, boolean training) {
        long[] s = qkv.shape();
        if (s.length != 3 || s[2] % (3L * nHead) != 0) {
            throw new IllegalArgumentException("attention: qkv must be (B, T, 3C) with C divisible by " + nHead
                    + " heads, got " + Shapes.str(s));
        }
        long b = s[0], t = s[1], hs = s[2] / 3 / nHead;
        QkvAttentionOp f = new QkvAttentionOp();
        f.shape = new long[] {b, t, nHead, hs};
        INDArray x = Shapes.contiguous(qkv.value());
        if (AttentionCore.vectorRuns(x)) {
            return f.output(f.forwardInPlace(x, dropout, rng, training), qkv);
        }
        INDArray heads = Nd4j.createUninitialized(qkv.dataType(), 3, b, nHead, t, hs); // (3, B, nh, T, hs)
        AttentionKernel.copy(heads, Shapes.reshape(x, b, t, 3, nHead, hs).permute(2, 0, 3, 1, 4), 1);
        f.core = new AttentionCore(part(heads, 0), part(heads, 1), part(heads, 2));
        INDArray y = Nd4j.createUninitialized(qkv.dataType(), b, nHead, t, hs);
        f.core.forward(y, dropout, rng, training);                                  // (B, nh, T, hs)
        INDArray merged = Nd4j.createUninitialized(qkv.dataType(), b, t, nHead, hs);
        AttentionKernel.copy(merged, y.permute(0, 2, 1, 3), 0);                                    // (B, T, nh, hs) = (B, T, C)
        merged = Shapes.reshape(merged, b, t, nHead * hs);
        return f.output(merged, qkv);
    }

    /** Slice i of the first axis: a view (plain and contiguous when heads is a c-order array). */
    private static INDArray part(INDArray heads, int i) {
        return heads.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
    }

    @Override
    protected void backward(INDArray dy) {
        long b = shape[0], t = shape[1], nh = shape[2], hs = shape[3];
        if (inPlace) {
            accumulateOwned(0, backwardInPlace(dy));
            return;
        }
        INDArray g = Nd4j.createUninitialized(dy.dataType(), b, nh, t, hs);
        AttentionKernel.copy(g, Shapes.reshape(Shapes.contiguous(dy), b, t, nh, hs).permute(0, 2, 1, 3), 0); // (B, nh, T, hs)
        INDArray dHeads = Nd4j.createUninitialized(dy.dataType(), 3, b, nh, t, hs);
        core.backward(g, part(dHeads, 0), part(dHeads, 1), part(dHeads, 2));
        INDArray dQkv = Nd4j.createUninitialized(dy.dataType(), b, t, 3, nh, hs);
        AttentionKernel.copy(dQkv, dHeads.permute(1, 3, 0, 2, 4), 0);                               // (B, T, 3, nh, hs)
        accumulateOwned(0, Shapes.reshape(dQkv, b, t, 3 * nh * hs));                 // (B, T, 3C)
    }

    // The Vector API kernels read and write heads in place through strided views: no copies at all.

    /** {@return y (B, T, C)}, the heads read from qkv (B, T, 3C) in place and written into y in place */
    private INDArray forwardInPlace(INDArray x, double dropout, Rng rng, boolean training) {
        long b = shape[0], t = shape[1], nh = shape[2], hs = shape[3];
        inPlace = true;
        core = new AttentionCore(heads(x, 0, nh, hs), heads(x, 1, nh, hs), heads(x, 2, nh, hs)); // (B, nh, T, hs)
        INDArray merged = Nd4j.createUninitialized(x.dataType(), b, t, nh * hs);   // (B, T, C)
        core.forward(heads(merged, 0, nh, hs), dropout, rng, training);           // written as (B, nh, T, hs)
        return merged;
    }

    /** {@return dqkv (B, T, 3C)}, written through (B, nh, T, hs) views */
    private INDArray backwardInPlace(INDArray dy) {
        long b = shape[0], t = shape[1], nh = shape[2], hs = shape[3];
        INDArray dQkv = Nd4j.createUninitialized(dy.dataType(), b, t, 3 * nh * hs);
        core.backward(heads(Shapes.contiguous(dy), 0, nh, hs), heads(dQkv, 0, nh, hs), heads(dQkv, 1, nh, hs),
                heads(dQkv, 2, nh, hs));
        return dQkv;
    }

    /**
     * Part i of a dense c-order (B, T, W) array's last axis (C = nh hs wide: q, k or v of the projection, or
     * all of y) as the (B, nh, T, hs) view the kernels read: element (b, h, t, c) is a[b, t, i C + h hs + c],
     * strides (T W, hs, W, 1). Built directly: ND4J's reshape, permute and get make the same view through
     * several intermediate arrays and index objects.
     */
    static INDArray heads(INDArray a, int i, long nh, long hs) {
        long t = a.size(1), w = a.size(2);
        return Nd4j.create(a.data(), new long[] {a.size(0), nh, t, hs}, new long[] {t * w, hs, w, 1},
                a.offset() + i * nh * hs, 'c');
    }
}
