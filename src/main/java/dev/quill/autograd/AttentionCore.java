package dev.quill.autograd;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The arithmetic of causal attention over (B, nh, T, hs) arrays, shared by the two fused attention ops: the
 * forward keeps the probabilities P (and the dropout mask) that the backward needs.
 * <pre>
 *   S = q k^T / sqrt(hs);  P = softmax(mask(S));  A = P * M / (1 - p);  y = A v
 *   dv = A^T dy;  dA = dy v^T;  dP = dA * M / (1 - p);  dS = P * (dP - rowsum(dP * P))
 *   dq = dS k / sqrt(hs);  dk = dS^T q / sqrt(hs)
 * </pre>
 * Below, the plain path in ND4J ops. On the CPU the same math runs in a kernel: {@code VectorAttention}
 * (FLOAT with the Vector API: head by head in registers, causal half only), else {@link AttentionKernel}
 * (heads split over Quill's threads, a Java softmax).
 */
final class AttentionCore {

    private final INDArray q;
    private final INDArray k;
    private final INDArray v;
    private final double scale;
    private INDArray p;        // softmax probabilities (B, nh, T, T)
    private INDArray dropMask; // 0 or 1/(1-p), or null without dropout
    private Dropout.Draws draws; // the same mask, drawn again where needed (VectorAttention), or null
    private INDArray dropped;  // A = P * dropMask, kept for the backward (the step's scope holds it anyway)
    private boolean vector;    // the forward ran VectorAttention, so the backward does too

    /** q, k, v: plain c-order (B, nh, T, hs) arrays. */
    AttentionCore(INDArray q, INDArray k, INDArray v) {
        this.q = q;
        this.k = k;
        this.v = v;
        this.scale = 1.0 / Math.sqrt(q.size(3));
    }

    /** y = softmax(mask(q k^T / sqrt(hs))) v, written into {@code y} (B, nh, T, hs). */
    INDArray forward(INDArray y, double dropout, Rng rng, boolean training) {
        long b = q.size(0), nh = q.size(1), t = q.size(2);
        INDArray scores = Nd4j.createUninitialized(q.dataType(), b, nh, t, t);  // (B, nh, T, T)
        boolean drop = training && dropout > 0;
        if (Kernels.usable(scores)) {
            return forwardKernel(scores, y, drop ? dropout : 0.0, rng);
        }
        MatMul.productInto(q, k, scores, false, true);                          // q k^T
        INDArray masked = CausalMask.apply(Tensor.of(scores.muli(scale))).value();
        p = Tensor.of(masked).softmax().value();                                // (B, nh, T, T)
        INDArray a = drop ? dropped = p.mul(dropMask = Dropout.mask(rng, dropout, p.shape(), p.dataType())) : p;
        return MatMul.productInto(a, v, y, false, false);                       // (B, nh, T, hs)
    }

    /** Writes dq, dk, dv (each (B, nh, T, hs), or null when not wanted) from dy (B, nh, T, hs). */
    void backward(INDArray dy, INDArray dq, INDArray dk, INDArray dv) {
        if (vector) {
            VectorAttention.backward(q, k, v, p, draws, unitStride(dy) ? dy : Shapes.contiguous(dy), dq, dk, dv, scale);
            return;
        }
        INDArray a = dropMask == null ? p : dropped;
        INDArray dP = Nd4j.createUninitialized(dy.dataType(), p.shape());       // (B, nh, T, T)
        if (Kernels.usable(dP, p)) {
            AttentionKernel.backward(q, k, v, p, a, dropMask, Shapes.contiguous(dy), dP, dq, dk, dv, scale);
            return;
        }
        if (dv != null) {
            MatMul.productInto(a, dy, dv, true, false);                          // A^T dy
        }
        MatMul.productInto(dy, v, dP, false, true);                              // dy v^T
        if (dropMask != null) {
            dP.muli(dropMask);
        }
        INDArray rowDot = dP.mul(p).sum(true, 3);                               // (B, nh, T, 1)
        INDArray dS = dP.subi(rowDot).muli(p).muli(scale);                      // scale folded in once
        if (dq != null) {
            MatMul.productInto(dS, k, dq, false, false);                         // dS k
        }
        if (dk != null) {
            MatMul.productInto(dS, q, dk, true, false);                          // dS^T q
        }
    }

    /** The forward on the CPU: P is written into scores; a dropout of 0 means none. */
    private INDArray forwardKernel(INDArray scores, INDArray y, double dropout, Rng rng) {
        p = scores;
        boolean drop = dropout > 0;
        if (vectorApplies(y)) {    // FLOAT with the Vector API: the causal half of each product, in registers
            vector = true;
            draws = drop ? new Dropout.Draws(rng.reserve(Math.toIntExact(p.length())), dropout) : null; // no (B, nh, T, T) mask kept
            VectorAttention.forward(q, k, v, p, draws, y, scale);
            return y;
        }
        if (drop) {
            dropMask = Dropout.mask(rng, dropout, p.shape(), p.dataType());
            dropped = Nd4j.createUninitialized(p.dataType(), p.shape());
        }
        AttentionKernel.forward(q, k, v, scores, dropMask, dropped, y, scale);
        return y;
    }

    /**
     * True when {@link VectorAttention} may run: the Vector API is there, and q, k, v, y are FLOAT with stride
     * 1 along hs (views of a bigger array included: VectorAttention reads their strides).
     */
    private boolean vectorApplies(INDArray y) {
        return vectorRuns(q) && unitStride(q) && unitStride(k) && unitStride(v) && unitStride(y);
    }

    /** {@return true when FLOAT attention runs the Vector API kernels for arrays laid out as they need} */
    static boolean vectorRuns(INDArray x) {
        return Kernels.vector() && x.dataType() == DataType.FLOAT;
    }

    private static boolean unitStride(INDArray a) {
        return a.rank() == 4 && a.stride(3) == 1;
    }

    static INDArray like(INDArray x) {
        return Nd4j.createUninitialized(x.dataType(), x.shape());
    }
}
