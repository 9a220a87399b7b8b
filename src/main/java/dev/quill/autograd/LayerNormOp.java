package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Layer normalization over the last axis (Ba, Kiros and Hinton, 2016), fused: one op instead of the
 * mean, variance, subtract, divide, scale and shift it is made of.
 * <pre>
 *   mu = mean(x),  var = mean((x - mu)^2),  rstd = 1 / sqrt(var + eps)
 *   xhat = (x - mu) * rstd,   y = xhat * g + b
 * </pre>
 * Backward, per row of C values, with dxhat = dy * g:
 * <pre>
 *   dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
 *   dg = sum over rows of dy * xhat,    db = sum over rows of dy
 * </pre>
 * (term 1 is the direct path, term 2 goes through mu, term 3 through rstd; docs/01-autograd.md derives
 * them.) ND4J's own LayerNorm op has no epsilon, hence this one. {@code b} may be null (no bias).
 *
 * <p>Below, the plain path in ND4J ops. On the CPU {@link LayerNormKernel} runs the same math as a Java loop
 * over the rows, keeping only mu and rstd per row.
 */
final class LayerNormOp extends Function {

    private final double eps;
    private INDArray x;    // (..., C)
    private INDArray g;    // (C)
    private INDArray xhat; // (..., C)
    private INDArray rstd; // (..., 1)
    private LayerNormKernel kernel; // set when the forward ran on the CPU kernel

    private LayerNormOp(double eps) {
        this.eps = eps;
    }

    static Tensor apply(Tensor x, Tensor gain, Tensor bias, double eps) {
        NormChecks.check("layerNorm", x, gain, bias);
        LayerNormOp f = new LayerNormOp(eps);
        f.x = x.value();
        f.g = gain.value();
        INDArray b = bias == null ? null : bias.value();
        INDArray y;
        if (Kernels.usable(f.x, f.g, b)) {
            f.kernel = new LayerNormKernel(f.x, f.g, eps);
            y = f.kernel.forward(b);
        } else {
            y = f.forward(b);
        }
        return bias == null ? f.output(y, x, gain) : f.output(y, x, gain, bias);
    }

    private INDArray forward(INDArray b) {
        int last = x.rank() - 1;
        INDArray centered = x.sub(x.mean(true, last));                                   // (..., C)
        INDArray variance = centered.mul(centered).mean(true, last);                     // (..., 1)
        rstd = Transforms.pow(variance.addi(eps), -0.5, false);                          // (..., 1)
        xhat = centered.muli(rstd);                                                      // (..., C)
        INDArray y = xhat.mul(g);
        return b == null ? y : y.addi(b);
    }

    @Override
    protected void backward(INDArray dy) {
        if (kernel != null && Kernels.usable(dy)) {
            NormChecks.accumulate(this, kernel.backward(Shapes.contiguous(dy), needsGrad(0), mayOverwriteGradOutput()));
            return;
        }
        if (xhat == null) { // the forward ran the kernel: rebuild what the plain path keeps
            forward(null);
        }
        int last = dy.rank() - 1;
        if (needsGrad(0)) {
            INDArray dxhat = dy.mul(g);
            INDArray meanD = dxhat.mean(true, last);                       // through mu
            INDArray meanDX = dxhat.mul(xhat).mean(true, last);           // through rstd
            accumulateOwned(0, dxhat.subi(meanD).subi(xhat.mul(meanDX)).muli(rstd));
        }
        if (needsGrad(1)) {
            accumulateOwned(1, Shapes.sumTo(dy.mul(xhat), g.shape()));
        }
        if (inputs().length > 2 && needsGrad(2)) {
            accumulateOwned(2, Shapes.sumTo(dy, g.shape()).dup());
        }
    }
}
