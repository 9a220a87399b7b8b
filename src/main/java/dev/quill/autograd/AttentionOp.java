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
 * Backward, from dy:
 * <pre>
 *   dv = A^T dy,   dA = dy v^T,   dP = dA * M / (1 - p)
 *   dS = P * (dP - rowsum(dP * P))    (softmax backward; masked entries have P = 0, so dS = 0 there)
 *   dq = dS k / sqrt(hs),   dk = dS^T q / sqrt(hs)
 * </pre>
 * The composite version, built from {@code matmul}, {@code causalMask}, {@code softmax} and
 * {@code dropout}, computes the same thing op by op and is this op's test oracle.
 */
final class AttentionOp extends Function {

    private INDArray q;
    private INDArray k;
    private INDArray v;
    private INDArray p;        // softmax probabilities (B, nh, T, T)
    private INDArray dropMask; // scaled 0 / (1/(1-p)) mask, or null
    private double scale;

    static Tensor apply(Tensor q, Tensor k, Tensor v, double dropout, Rng rng, boolean training) {
        long[] s = q.shape();
        if (s.length != 4 || !java.util.Arrays.equals(s, k.shape()) || !java.util.Arrays.equals(s, v.shape())) {
            throw new IllegalArgumentException("attention: q, k, v must share one shape (B, nh, T, hs), got "
                    + Shapes.str(q.shape()) + ", " + Shapes.str(k.shape()) + ", " + Shapes.str(v.shape()));
        }
        AttentionOp f = new AttentionOp();
        f.q = Shapes.contiguous(q.value());
        f.k = Shapes.contiguous(k.value());
        f.v = Shapes.contiguous(v.value());
        f.scale = 1.0 / Math.sqrt(s[3]);
        INDArray scores = MatMul.product(f.q, f.k, false, true).muli(f.scale);   // (B, nh, T, T)
        INDArray masked = CausalMask.apply(Tensor.of(scores)).value();
        f.p = Tensor.of(masked).softmax().value();                              // (B, nh, T, T)
        INDArray a = f.p;
        if (training && dropout > 0) {
            f.dropMask = Dropout.mask(rng, dropout, f.p.shape(), f.p.dataType());
            a = f.p.mul(f.dropMask);
        }
        INDArray y = MatMul.product(a, f.v, false, false);                        // (B, nh, T, hs)
        return f.output(y, q, k, v);
    }

    @Override
    protected void backward(INDArray dy) {
        INDArray a = dropMask == null ? p : p.mul(dropMask);
        if (needsGrad(2)) {
            accumulateOwned(2, MatMul.product(a, dy, true, false));                 // A^T dy
        }
        INDArray dP = MatMul.product(dy, v, false, true);                         // dy v^T
        if (dropMask != null) {
            dP.muli(dropMask);
        }
        INDArray rowDot = dP.mul(p).sum(true, 3);                                 // (B, nh, T, 1)
        INDArray dS = dP.subi(rowDot).muli(p).muli(scale);                        // scale folded in once
        if (needsGrad(0)) {
            accumulateOwned(0, MatMul.product(dS, k, false, false));              // dS k
        }
        if (needsGrad(1)) {
            accumulateOwned(1, MatMul.product(dS, q, true, false));               // dS^T q
        }
    }
}
