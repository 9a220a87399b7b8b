package dev.quill.autograd;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
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
 * Three implementations. FLOAT on the CPU, exact form: {@link FastMath}'s rational erf in chunked Java loops
 * that the JIT vectorizes, nothing kept but x (the backward recomputes Phi). DOUBLE or the tanh form on the
 * CPU: ND4J computes only the transcendental part (erf, exp or tanh, one call on a buffer of our own) and
 * Java loops do the rest. Elsewhere: ND4J ops.
 */
final class Gelu extends Function {

    private static final double SQRT_2_OVER_PI = Math.sqrt(2.0 / Math.PI);
    private static final double INV_SQRT_2PI = 1.0 / Math.sqrt(2.0 * Math.PI);
    private static final double INV_SQRT_2 = 1.0 / Math.sqrt(2.0);
    private static final double C = 0.044715;
    private static final int PIECE = 1 << 15; // elements worth handing to another thread (~30 us of work)

    private INDArray x;
    private INDArray phi; // exact: Phi(x); tanh form: tanh(u)
    private boolean tanhForm;
    private boolean java;
    private boolean fast; // FLOAT, exact form: phi is not kept

    static Tensor apply(Tensor x, boolean tanhForm) {
        Gelu f = new Gelu();
        f.x = x.value();
        f.tanhForm = tanhForm;
        f.java = HostBuffer.usable(f.x);
        f.fast = f.java && !tanhForm && f.x.dataType() == DataType.FLOAT;
        INDArray y = f.fast ? f.forwardFast() : f.java ? f.forwardJava() : f.forwardNd4j();
        return f.output(y, x);
    }

    private INDArray forwardFast() {
        int n = (int) x.length();
        INDArray y = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        FloatBuffer xs = Scratch.floats(x), ys = Scratch.floats(y);
        Parallel.range(n, PIECE, Scratch.CHUNK, (from, to) -> {
            float[] a = Scratch.get(0);
            for (int s = from; s < to; s += Scratch.CHUNK) {
                int m = Math.min(Scratch.CHUNK, to - s);
                xs.get(s, a, 0, m);
                FastMath.gelu(a, a, m);
                ys.put(s, a, 0, m);
            }
        });
        return y;
    }

    private void backwardFast(INDArray dy) {
        int n = (int) x.length();
        INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        FloatBuffer xs = Scratch.floats(x), dys = Scratch.floats(dy), dxs = Scratch.floats(dx);
        Parallel.range(n, PIECE, Scratch.CHUNK, (from, to) -> {
            float[] a = Scratch.get(0), g = Scratch.get(1), r = Scratch.get(2), q = Scratch.get(3);
            for (int s = from; s < to; s += Scratch.CHUNK) {
                int m = Math.min(Scratch.CHUNK, to - s);
                xs.get(s, a, 0, m);
                dys.get(s, g, 0, m);
                FastMath.geluBackward(a, g, g, r, q, m);
                dxs.put(s, g, 0, m);
            }
        });
        accumulateOwned(0, dx);
    }

    private INDArray forwardJava() {
        int n = (int) x.length();
        HostBuffer xs = HostBuffer.of(x);
        phi = Nd4j.createUninitialized(x.dataType(), x.shape());
        HostBuffer ps = HostBuffer.of(phi);
        for (int i = 0; i < n; i++) {
            double v = xs.get(i);
            ps.set(i, tanhForm ? SQRT_2_OVER_PI * (v + C * v * v * v) : v * INV_SQRT_2);
        }
        Nd4j.exec(tanhForm ? new Tanh(phi, phi) : new Erf(phi, phi));        // tanh(u) or erf(x / sqrt 2), in place
        INDArray y = Nd4j.createUninitialized(x.dataType(), x.shape());
        HostBuffer ys = HostBuffer.of(y);
        for (int i = 0; i < n; i++) {
            double v = xs.get(i), t = ps.get(i);
            if (tanhForm) {
                ys.set(i, 0.5 * v * (1 + t));
            } else {
                double cdf = 0.5 * (1 + t);                                     // Phi(x)
                ps.set(i, cdf);
                ys.set(i, v * cdf);
            }
        }
        return y;
    }

    private INDArray forwardNd4j() {
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
        if (fast) {
            backwardFast(Scratch.plain(dy));
            return;
        }
        if (java && HostBuffer.usable(dy)) {
            backwardJava(Shapes.contiguous(dy));
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

    private void backwardJava(INDArray dy) {
        int n = (int) x.length();
        HostBuffer xs = HostBuffer.of(x), ps = HostBuffer.of(phi), dys = HostBuffer.of(dy);
        INDArray dx = Nd4j.createUninitialized(x.dataType(), x.shape());
        HostBuffer dxs = HostBuffer.of(dx);
        if (tanhForm) {
            for (int i = 0; i < n; i++) {
                double v = xs.get(i), t = ps.get(i);
                double local = 0.5 * (1 + t) + 0.5 * v * (1 - t * t) * SQRT_2_OVER_PI * (1 + 3 * C * v * v);
                dxs.set(i, dys.get(i) * local);
            }
        } else {
            for (int i = 0; i < n; i++) {
                double v = xs.get(i);
                dxs.set(i, -0.5 * v * v);
            }
            Nd4j.exec(new Exp(dx, dx));                                          // exp(-x^2/2), in place
            for (int i = 0; i < n; i++) {
                double v = xs.get(i);
                dxs.set(i, dys.get(i) * (ps.get(i) + v * dxs.get(i) * INV_SQRT_2PI)); // Phi + x phi
            }
        }
        accumulateOwned(0, dx);
    }
}
