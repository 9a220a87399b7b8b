package dev.quill.autograd;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * y = op(a) @ op(b), where op transposes the last two axes when asked (so x @ W^T for a PyTorch-layout
 * Linear weight W (out, in) needs no copy). Three forms:
 * <ul>
 *   <li>2-D: (M, K) @ (K, N) -> (M, N), one GEMM;</li>
 *   <li>N-D times 2-D: (..., K) @ (K, N) -> (..., N), the leading axes flattened into rows (a Linear);</li>
 *   <li>batched: (..., M, K) @ (..., K, N) with equal batch axes, one batched call (attention).</li>
 * </ul>
 * With y = A B:  dL/dA = dL/dy B^T  and  dL/dB = A^T dL/dy. With the transposes folded in:
 * <pre>
 *   dA = tA ? op(B) dy^T : dy op(B)^T          dB = tB ? dy^T op(A) : op(A)^T dy
 * </pre>
 * each written below as one product with transpose flags, so no transposed copy is ever made.
 */
final class MatMul extends Function {

    private INDArray a;
    private INDArray b;
    private boolean ta;
    private boolean tb;

    static Tensor apply(Tensor a, Tensor b, boolean ta, boolean tb) {
        INDArray av = a.value();
        INDArray bv = b.value();
        long[] as = av.shape();
        long[] bs = bv.shape();
        if (av.dataType() != bv.dataType()) {
            throw new IllegalArgumentException(what(as, bs, ta, tb) + ": data types differ (" + av.dataType() + ", "
                    + bv.dataType() + ")");
        }
        if (as.length < 2 || bs.length < 2) {
            throw new IllegalArgumentException(what(as, bs, ta, tb) + ": both operands need at least 2 axes");
        }
        long k1 = ta ? as[as.length - 2] : as[as.length - 1];
        long k2 = tb ? bs[bs.length - 1] : bs[bs.length - 2];
        if (k1 != k2) {
            throw new IllegalArgumentException(what(as, bs, ta, tb) + ": inner dims differ (" + k1 + " vs " + k2 + ")");
        }
        boolean batched = as.length == bs.length && as.length > 2;
        if (batched && !Arrays.equals(Arrays.copyOf(as, as.length - 2), Arrays.copyOf(bs, bs.length - 2))) {
            throw new IllegalArgumentException(what(as, bs, ta, tb) + ": batch axes differ");
        }
        if (!batched && bs.length != 2) {
            throw new IllegalArgumentException(what(as, bs, ta, tb) + ": ranks must be equal, or the right operand 2-D");
        }
        if (!batched && as.length > 2 && ta) {
            throw new IllegalArgumentException(what(as, bs, ta, tb)
                    + ": a transposed left operand needs a 2-D or batched product");
        }
        MatMul f = new MatMul();
        f.a = Shapes.contiguous(av);
        f.b = Shapes.contiguous(bv);
        f.ta = ta;
        f.tb = tb;
        INDArray y;
        if (as.length > 2 && !batched) {
            y = productOfRows(f.a, f.b, tb);                                 // (..., N)
        } else {
            y = product(f.a, f.b, ta, tb);
        }
        return f.output(y, a, b);
    }

    /** The product named in an error message (built only when one is thrown: apply runs ~24 times a step). */
    private static String what(long[] as, long[] bs, boolean ta, boolean tb) {
        return "matmul: " + Shapes.str(as) + (ta ? "^T" : "") + " x " + Shapes.str(bs) + (tb ? "^T" : "");
    }

    @Override
    protected void backward(INDArray dy) {
        dy = Shapes.contiguous(dy);
        if (a.rank() > 2 && b.rank() == 2) {
            // dW += ... goes to a worker when it can (only the optimizer reads it, so the pass does not wait for
            // it), and dx = dy op(b)^T, which the next op needs, is made here meanwhile; a (..., K) and dy
            // (..., N) go as they are, read as the matrices of their rows
            boolean handed = needsGrad(1) && (tb ? accumulateProductLater(1, dy, a, true, false)
                    : accumulateProductLater(1, a, dy, true, false));
            if (handed || !needsGrad(1)) {
                if (needsGrad(0)) {
                    accumulateOwned(0, productOfRows(dy, b, !tb));              // (..., K)
                }
                return;
            }
            // else dx and dW side by side: dx on a worker (into an array made here), the weight's on this
            // thread (it may allocate the parameter's gradient)
            INDArray a2 = Shapes.reshape(a, -1, a.size(-1));                     // (rows, K)
            INDArray dy2 = Shapes.reshape(dy, -1, dy.size(-1));                  // (rows, N)
            INDArray dx = needsGrad(0) ? Nd4j.createUninitialized(a.dataType(), a2.shape()) : null;
            Parallel.both(() -> {
                if (dx != null) {
                    productInto(dy2, b, dx, false, !tb);
                }
            }, () -> {
                if (tb) {
                    accumulateProduct(1, dy2, a2, true, false);
                } else {
                    accumulateProduct(1, a2, dy2, true, false);
                }
            });
            if (dx != null) {
                accumulateOwned(0, Shapes.reshape(dx, a.shape()));
            }
            return;
        }
        if (needsGrad(0)) {
            if (ta) {
                accumulateProduct(0, b, dy, tb, true);
            } else {
                accumulateProduct(0, dy, b, false, !tb);
            }
        }
        if (needsGrad(1)) {
            if (tb) {
                accumulateProduct(1, dy, a, true, ta);
            } else {
                accumulateProduct(1, a, dy, !ta, false);
            }
        }
    }

    /**
     * x (..., K) @ op(y) for a 2-D y and a dense x: one product of x's rows into a fresh (..., N) output, made
     * without 2-D views where the CPU kernel takes the arrays ({@link MatMulKernel#productOfRows}).
     */
    static INDArray productOfRows(INDArray x, INDArray y, boolean ty) {
        long[] shape = x.shape().clone();
        int last = shape.length - 1;
        shape[last] = ty ? y.size(0) : y.size(1);
        INDArray out = Nd4j.createUninitialized(x.dataType(), shape);
        if (!MatMulKernel.productOfRows(x, y, out, ty)) {
            productInto(Shapes.reshape(x, -1, x.size(last)), y, Shapes.reshape(out, -1, shape[last]), false, ty);
        }
        return out;
    }

    /** op(x) @ op(y) into a fresh output: one GEMM for 2-D, one batched call for 3-D and more. */
    static INDArray product(INDArray x, INDArray y, boolean tx, boolean ty) {
        int r = x.rank();
        long[] outShape = x.shape().clone();
        outShape[r - 2] = tx ? x.size(r - 1) : x.size(r - 2);
        outShape[r - 1] = ty ? y.size(r - 2) : y.size(r - 1);
        return productInto(x, y, Nd4j.createUninitialized(x.dataType(), outShape), tx, ty);
    }

    /** op(x) @ op(y) written into {@code out}, a plain c-order array of the right shape; returns out. */
    static INDArray productInto(INDArray x, INDArray y, INDArray out, boolean tx, boolean ty) {
        return productInto(x, y, out, tx, ty, 0.0);
    }

    /**
     * out = op(x) @ op(y) + beta * out, for beta 0 or 1 (GEMM's own accumulation, which saves a temporary
     * and a pass over out when a product is added into an existing array). beta 1 needs 2-D operands. On the
     * CPU, OpenBLAS is called directly, a big product cut into pieces for Quill's threads ({@link MatMulKernel});
     * otherwise one ND4J call.
     */
    static INDArray productInto(INDArray x, INDArray y, INDArray out, boolean tx, boolean ty, double beta) {
        x = Shapes.contiguous(x);
        y = Shapes.contiguous(y);
        int r = x.rank();
        if (r > 2 && beta != 0.0) {
            throw new IllegalArgumentException("productInto: beta " + beta + " needs 2-D operands, got rank " + r);
        }
        if (MatMulKernel.product(x, y, out, tx, ty, beta)) {
            return out;
        }
        if (r == 2) {
            return Nd4j.gemm(x, y, out, tx, ty, 1.0, beta);                         // (M, N)
        }
        long m = out.size(r - 2), n = out.size(r - 1), batch = out.length() / (m * n);
        INDArray x3 = Shapes.reshape(x, batch, x.size(r - 2), x.size(r - 1));
        INDArray y3 = Shapes.reshape(y, batch, y.size(r - 2), y.size(r - 1));
        Nd4j.matmul(x3, y3, Shapes.reshape(out, batch, m, n), tx, ty, false);       // (batch, M, N)
        return out;
    }
}
