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
 * and the backward runs the same two copies in reverse around {@link AttentionCore}.
 */
final class QkvAttentionOp extends Function {

    private AttentionCore core;
    private long[] shape; // B, T, nh, hs

    static Tensor apply(Tensor qkv, int nHead, double dropout, Rng rng, boolean training) {
        long[] s = qkv.shape();
        if (s.length != 3 || s[2] % (3L * nHead) != 0) {
            throw new IllegalArgumentException("attention: qkv must be (B, T, 3C) with C divisible by " + nHead
                    + " heads, got " + Shapes.str(s));
        }
        long b = s[0], t = s[1], hs = s[2] / 3 / nHead;
        QkvAttentionOp f = new QkvAttentionOp();
        f.shape = new long[] {b, t, nHead, hs};
        INDArray heads = Shapes.contiguous(qkv.value()).reshape(b, t, 3, nHead, hs)
                .permute(2, 0, 3, 1, 4).dup('c');                                   // (3, B, nh, T, hs)
        f.core = new AttentionCore(part(heads, 0), part(heads, 1), part(heads, 2));
        INDArray y = Nd4j.createUninitialized(qkv.dataType(), b, nHead, t, hs);
        f.core.forward(y, dropout, rng, training);                                  // (B, nh, T, hs)
        INDArray merged = y.permute(0, 2, 1, 3).dup('c').reshape(b, t, nHead * hs); // (B, T, C)
        return f.output(merged, qkv);
    }

    /** Slice i of the first axis of a c-order array: itself plain and contiguous. */
    private static INDArray part(INDArray heads, int i) {
        return heads.get(NDArrayIndex.point(i), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
    }

    @Override
    protected void backward(INDArray dy) {
        long b = shape[0], t = shape[1], nh = shape[2], hs = shape[3];
        INDArray g = Shapes.contiguous(dy).reshape(b, t, nh, hs).permute(0, 2, 1, 3).dup('c'); // (B, nh, T, hs)
        INDArray dHeads = Nd4j.createUninitialized(dy.dataType(), 3, b, nh, t, hs);
        core.backward(g, part(dHeads, 0), part(dHeads, 1), part(dHeads, 2));
        INDArray dQkv = dHeads.permute(1, 3, 0, 2, 4).dup('c').reshape(b, t, 3 * nh * hs);  // (B, T, 3C)
        accumulateOwned(0, dQkv);
    }
}
