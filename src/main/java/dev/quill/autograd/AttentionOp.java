package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Causal scaled dot-product attention (Vaswani et al., 2017), fused: scores, mask, softmax, dropout and
 * the weighted sum in one forward, with a hand-derived backward. q, k, v: (B, nh, T, hs).
 * <pre>
 *   S = q k^T / sqrt(hs)              (B, nh, T, T)
 *   P = softmax(mask(S))              row i is a distribution over keys j <= i
 *   A = P * M / (1 - p)               attention dropout, M a 0/1 mask (A = P without dropout)
 *   y = A v                           (B, nh, T, hs)
 * </pre>
 * Backward: see {@link AttentionCore} (masked entries have P = 0, so their score gradient is 0).
 * The composite version, built from {@code matmul}, {@code causalMask}, {@code softmax} and
 * {@code dropout}, computes the same thing op by op and is this op's test oracle.
 */
final class AttentionOp extends Function {

    private AttentionCore core;

    static Tensor apply(Tensor q, Tensor k, Tensor v, double dropout, Rng rng, boolean training) {
        long[] s = q.shape();
        if (s.length != 4 || !java.util.Arrays.equals(s, k.shape()) || !java.util.Arrays.equals(s, v.shape())) {
            throw new IllegalArgumentException("attention: q, k, v must share one shape (B, nh, T, hs), got "
                    + Shapes.str(q.shape()) + ", " + Shapes.str(k.shape()) + ", " + Shapes.str(v.shape()));
        }
        AttentionOp f = new AttentionOp();
        INDArray qv = Shapes.contiguous(q.value());
        f.core = new AttentionCore(qv, Shapes.contiguous(k.value()), Shapes.contiguous(v.value()));
        INDArray y = f.core.forward(AttentionCore.like(qv), dropout, rng, training);   // (B, nh, T, hs)
        return f.output(y, q, k, v);
    }

    @Override
    protected void backward(INDArray dy) {
        INDArray g = Shapes.contiguous(dy);
        INDArray dq = needsGrad(0) ? AttentionCore.like(g) : null;
        INDArray dk = needsGrad(1) ? AttentionCore.like(g) : null;
        INDArray dv = needsGrad(2) ? AttentionCore.like(g) : null;
        core.backward(g, dq, dk, dv);
        if (dq != null) {
            accumulateOwned(0, dq);
        }
        if (dk != null) {
            accumulateOwned(1, dk);
        }
        if (dv != null) {
            accumulateOwned(2, dv);
        }
    }
}
