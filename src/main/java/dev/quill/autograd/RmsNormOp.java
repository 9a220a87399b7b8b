package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * RMS normalization over the last axis (Zhang and Sennrich, 2019): like LayerNorm without centering.
 * <pre>
 *   rstd = 1 / sqrt(mean(x^2) + eps),   y = x * rstd * g + b
 * </pre>
 * Backward, per row, with dxg = dy * g:
 * <pre>
 *   dx = rstd * (dxg - x * mean(dxg * x) * rstd^2)      (term 2 goes through rstd)
 *   dg = sum over rows of dy * x * rstd,    db = sum over rows of dy
 * </pre>
 * {@code b} may be null (no bias, the usual form). Below, the plain path in ND4J ops; on the CPU
 * {@link RmsNormKernel} runs the same math as a Java loop over the rows, as {@link LayerNormKernel} does.
 */
final class RmsNormOp extends Function {

    private final double eps;
    private INDArray x;    // (..., C)
    private INDArray g;    // (C)
    private INDArray rstd; // (..., 1)
    private RmsNormKernel kernel; // set when the forward ran on the CPU kernel

    private RmsNormOp(double eps) {
        this.eps = eps;
    }

    static Tensor apply(Tensor x, Tensor gain, Tensor bias, double eps) {
        NormChecks.check("rmsNorm", x, gain, bias);
        RmsNormOp f = new RmsNormOp(eps);
        f.x = x.value();
        f.g = gain.value();
        INDArray b = bias == null ? null : bias.value();
        INDArray y;
        if (Kernels.usable(f.x, f.g, b)) {
            f.kernel = new RmsNormKernel(f.x, f.g, eps);
            y = f.kernel.forward(b);
        } else {
            y = f.forward(b);
        }
        return bias == null ? f.output(y, x, gain) : f.output(y, x, gain, bias);
    }

    private INDArray forward(INDArray b) {
        int last = x.rank() - 1;
        rstd = Transforms.pow(x.mul(x).mean(true, last).addi(eps), -0.5, false); // (..., 1)
        INDArray y = x.mul(rstd).muli(g);
        return b == null ? y : y.addi(b);
    }

    @Override
    protected void backward(INDArray dy) {
        if (kernel != null && Kernels.usable(dy)) {
            NormChecks.accumulate(this, kernel.backward(Shapes.contiguous(dy), needsGrad(0)));
            return;
        }
        if (rstd == null) { // the forward ran the kernel: rebuild what the plain path keeps
            forward(null);
        }
        int last = dy.rank() - 1;
        if (needsGrad(0)) {
            INDArray dxg = dy.mul(g);
            INDArray m = dxg.mul(x).mean(true, last).muli(rstd).muli(rstd);   // mean(dxg x) rstd^2
            accumulateOwned(0, dxg.subi(x.mul(m)).muli(rstd));
        }
        if (needsGrad(1)) {
            accumulateOwned(1, Shapes.sumTo(dy.mul(x).muli(rstd), g.shape()));
        }
        if (inputs().length > 2 && needsGrad(2)) {
            accumulateOwned(2, Shapes.sumTo(dy, g.shape()).dup());
        }
    }
}
