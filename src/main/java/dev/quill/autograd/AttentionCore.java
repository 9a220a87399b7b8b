package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arithmetic of causal attention over (B, nh, T, hs) arrays, shared by the two fused attention ops:
 * the forward keeps the probabilities P (and the dropout mask) that the backward needs.
 * <pre>
 *   S = q k^T / sqrt(hs);  P = softmax(mask(S));  A = P * M / (1 - p);  y = A v
 *   dv = A^T dy;  dA = dy v^T;  dP = dA * M / (1 - p);  dS = P * (dP - rowsum(dP * P))
 *   dq = dS k / sqrt(hs);  dk = dS^T q / sqrt(hs)
 * </pre>
 */
final class AttentionCore {

    private final INDArray q;
    private final INDArray k;
    private final INDArray v;
    private final double scale;
    private INDArray p;        // softmax probabilities (B, nh, T, T)
    private INDArray dropMask; // 0 or 1/(1-p), or null without dropout

    /** q, k, v: plain c-order (B, nh, T, hs) arrays. */
    AttentionCore(INDArray q, INDArray k, INDArray v) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.scale = 1.0 / Math.sqrt(q.size(3));
    }

    /** y = softmax(mask(q k^T / sqrt(hs))) v, written into {@code y} (B, nh, T, hs). */
    INDArray forward(INDArray y, double dropout, Rng rng, boolean training) {
        INDArray scores = MatMul.product(q, k, false, true);                   // (B, nh, T, T)
        if (HostBuffer.usable(scores)) {
            p = maskedSoftmaxJava(scores);                                      // in place
        } else {
            INDArray masked = CausalMask.apply(Tensor.of(scores.muli(scale))).value();
            p = Tensor.of(masked).softmax().value();                            // (B, nh, T, T)
        }
        INDArray a = p;
        if (training && dropout > 0) {
            dropMask = Dropout.mask(rng, dropout, p.shape(), p.dataType());
            a = p.mul(dropMask);
        }
        return MatMul.productInto(a, v, y, false, false);                       // (B, nh, T, hs)
    }

    /** Writes dq, dk, dv (each (B, nh, T, hs), or null when not wanted) from dy (B, nh, T, hs). */
    void backward(INDArray dy, INDArray dq, INDArray dk, INDArray dv) {
        INDArray a = dropMask == null ? p : p.mul(dropMask);
        if (dv != null) {
            MatMul.productInto(a, dy, dv, true, false);                          // A^T dy
        }
        INDArray dP = MatMul.product(dy, v, false, true);                       // dy v^T  (B, nh, T, T)
        if (dropMask != null) {
            dP.muli(dropMask);
        }
        INDArray dS;
        if (HostBuffer.usable(dP, p)) {
            dS = softmaxBackwardJava(dP);                                       // in place
        } else {
            INDArray rowDot = dP.mul(p).sum(true, 3);                           // (B, nh, T, 1)
            dS = dP.subi(rowDot).muli(p).muli(scale);                           // scale folded in once
        }
        if (dq != null) {
            MatMul.productInto(dS, k, dq, false, false);                         // dS k
        }
        if (dk != null) {
            MatMul.productInto(dS, q, dk, true, false);                          // dS^T q
        }
    }

    /**
     * Scale, causal mask and softmax in one pass over each row of scores (in place): row i keeps keys
     * j <= i, computed as exp(s*x_ij - max) / sum, and writes exact zeros to the masked half.
     */
    private INDArray maskedSoftmaxJava(INDArray scores) {
        int t = (int) scores.size(3);
        int rows = (int) (scores.length() / t);
        HostBuffer s = HostBuffer.of(scores);
        for (int r = 0; r < rows; r++) {
            int i = r % t;                      // query position of this row
            int o = r * t;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                max = Math.max(max, s.get(o + j) * scale);
            }
            double sum = 0;
            for (int j = 0; j <= i; j++) {
                double e = Math.exp(s.get(o + j) * scale - max);
                s.set(o + j, e);
                sum += e;
            }
            double inv = 1.0 / sum;
            for (int j = 0; j <= i; j++) {
                s.set(o + j, s.get(o + j) * inv);
            }
            for (int j = i + 1; j < t; j++) {
                s.set(o + j, 0.0);
            }
        }
        return scores;
    }

    /** dS = P * (dP - rowsum(dP * P)) * scale, in place on dP, row by row. */
    private INDArray softmaxBackwardJava(INDArray dP) {
        int t = (int) dP.size(3);
        int rows = (int) (dP.length() / t);
        HostBuffer d = HostBuffer.of(dP), ps = HostBuffer.of(p);
        for (int r = 0; r < rows; r++) {
            int i = r % t;
            int o = r * t;
            double dot = 0;
            for (int j = 0; j <= i; j++) {
                dot += d.get(o + j) * ps.get(o + j);
            }
            for (int j = 0; j <= i; j++) {
                d.set(o + j, ps.get(o + j) * (d.get(o + j) - dot) * scale);
            }
            for (int j = i + 1; j < t; j++) {
                d.set(o + j, 0.0);
            }
        }
        return dP;
    }

    static INDArray like(INDArray x) {
        return Nd4j.createUninitialized(x.dataType(), x.shape());
    }
}
