package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * GELU (Hendrycks and Gimpel, 2016): y = x * Phi(x), Phi the standard normal CDF. ND4J's own
 * {@code GELU} op is a third, sigmoid-based approximation, so both forms are written here.
 *
 * <pre>
 * exact:  y = 0.5 x (1 + erf(x / sqrt 2))
 *         dy/dx = Phi(x) + x phi(x),            phi(x) = exp(-x^2 / 2) / sqrt(2 pi)
 * tanh:   u = sqrt(2/pi) (x + 0.044715 x^3),   y = 0.5 x (1 + tanh u)
 *         dy/dx = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) sqrt(2/pi) (1 + 3 * 0.044715 x^2)
 * </pre>
 */
final class Gelu extends Function {

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double C = 0.044715;

    private INDArray x;
    private INDArray phi; // exact: Phi(x); tanh form: tanh(u)
    private boolean tanhForm;

    static Tensor apply(Tensor x, boolean tanhForm) {
        Gelu f = new Gelu();
        f.x = x.value();
        f.tanhForm = tanhForm;
        if (tanhForm) {
            INDArray u = f.x.mul(f.x).muli(C).addi(1.0).muli(f.x).muli(SQRT_2_OVER_PI); // sqrt(2/pi)(x + c x^3)
            f.phi = Transforms.tanh(u, false);
            return f.output(f.phi.add(1.0).muli(f.x).muli(0.5), x);
        }
        INDArray erf = Nd4j.exec(new Erf(f.x.mul(1.0 / Math.sqrt(2.0))));
        f.phi = erf.addi(1.0).muli(0.5); // Phi(x)
        return f.output(f.phi.mul(f.x), x);
    }

    @Override
    protected void backward(INDArray dy) {
        INDArray local;
        if (tanhForm) {
            // 0.5 (1 + t) + 0.5 x (1 - t^2) sqrt(2/pi) (1 + 3c x^2)
            INDArray du = x.mul(x).muli(3 * C).addi(1.0).muli(SQRT_2_OVER_PI);
            INDArray sech2 = phi.mul(phi).rsubi(1.0);
            local = sech2.muli(du).muli(x).addi(phi).addi(1.0).muli(0.5);
        } else {
            // Phi(x) + x phi(x)
            INDArray density = Transforms.exp(x.mul(x).muli(-0.5), false).muli(INV_SQRT_2PI);
            local = density.muli(x).addi(phi);
        }
        accumulateOwned(0, local.muli(dy));
    }
}
