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
 * {@code b} may be null (no bias, the usual form).
 */
final class RmsNormOp extends Function {

    private INDArray x;
    private INDArray rstd; // (..., 1)
    private INDArray g;

    static Tensor apply(Tensor x, Tensor gain, Tensor bias, double eps) {
        NormChecks.check("rmsNorm", x, gain, bias);
        RmsNormOp f = new RmsNormOp();
        f.x = x.value();
        int last = f.x.rank() - 1;
        f.rstd = Transforms.pow(f.x.mul(f.x).mean(true, last).addi(eps), -0.5, false); // (..., 1)
        f.g = gain.value();
        INDArray y = f.x.mul(f.rstd).muli(f.g);
        if (bias != null) {
            y.addi(bias.value());
        }
        return bias == null ? f.output(y, x, gain) : f.output(y, x, gain, bias);
    }

    @Override
    protected void backward(INDArray dy) {
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
