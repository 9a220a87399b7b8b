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
 */
final class LayerNormOp extends Function {

    private INDArray xhat; // (..., C)
    private INDArray rstd; // (..., 1)
    private INDArray g;    // (C)

    static Tensor apply(Tensor x, Tensor gain, Tensor bias, double eps) {
        NormChecks.check("layerNorm", x, gain, bias);
        LayerNormOp f = new LayerNormOp();
        INDArray v = x.value();
        int last = v.rank() - 1;
        INDArray centered = v.sub(v.mean(true, last));                                   // (..., C)
        INDArray variance = centered.mul(centered).mean(true, last);                     // (..., 1)
        f.rstd = Transforms.pow(variance.addi(eps), -0.5, false);                        // (..., 1)
        f.xhat = centered.muli(f.rstd);                                                  // (..., C)
        f.g = gain.value();
        INDArray y = f.xhat.mul(f.g);
        if (bias != null) {
            y.addi(bias.value());
        }
        return bias == null ? f.output(y, x, gain) : f.output(y, x, gain, bias);
    }

    @Override
    protected void backward(INDArray dy) {
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
