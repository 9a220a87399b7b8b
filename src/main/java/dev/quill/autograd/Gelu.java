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
 * The forward keeps Phi(x) (exact) or tanh u (tanh form) for the backward. Below, the plain path in ND4J
 * ops; on the CPU {@link GeluKernel} computes the same in Java loops (FLOAT, exact form: a rational erf in
 * chunks the JIT vectorizes, split over Quill's threads).
 */
final class Gelu extends Function {

    static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
    static final double C = 0.044715;

    private INDArray x;
    private INDArray phi;       // exact: Phi(x); tanh form: tanh(u)
    private boolean tanhForm;
    private GeluKernel kernel;  // set when the forward ran on the CPU kernel

    static Tensor apply(Tensor x, boolean tanhForm) {
        Gelu f = new Gelu();
        f.x = x.value();
        f.tanhForm = tanhForm;
        INDArray y;
        if (Kernels.usable(f.x)) {
            f.kernel = new GeluKernel(f.x, tanhForm);
            y = f.kernel.forward();
            f.phi = f.kernel.phi();
        } else {
            y = f.forward();
        }
        return f.output(y, x);
    }

    private INDArray forward() {
        if (tanhForm) {
            INDArray u = x.mul(x).muli(C).addi(1.0).muli(x).muli(SQRT_2_OVER_PI); // sqrt(2/pi)(x + c x^3)
            phi = Transforms.tanh(u, false);
            return phi.add(1.0).muli(x).muli(0.5);
        }
        INDArray erf = Nd4j.exec(new Erf(x.mul(INV_SQRT_2)));
        phi = erf.addi(1.0).muli(0.5); // Phi(x)
        return phi.mul(x);
    }

    @Override
    protected void backward(INDArray dy) {
        if (kernel != null && mayOverwriteGradOutput() && kernel.takesInPlace(dy)) {
            accumulateOwned(0, kernel.backwardInPlace(dy));          // dx over dy: no new (B, T, 4C) array
            return;
        }
        if (kernel != null && kernel.takes(dy)) {
            accumulateOwned(0, kernel.backward(dy));
            return;
        }
        INDArray local;
        if (tanhForm) {
            INDArray du = x.mul(x).muli(3 * C).addi(1.0).muli(SQRT_2_OVER_PI);
            INDArray sech2 = phi.mul(phi).rsubi(1.0);
            local = sech2.muli(du).muli(x).addi(phi).addi(1.0).muli(0.5);
        } else {
            INDArray density = Transforms.exp(x.mul(x).muli(-0.5), false).muli(INV_SQRT_2PI);
            local = density.muli(x).addi(phi);
        }
        accumulateOwned(0, local.muli(dy));
    }
}
