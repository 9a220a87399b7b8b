package dev.quill.autograd;

import static dev.quill.autograd.Gelu.C;
import static dev.quill.autograd.Gelu.INV_SQRT_2;
import static dev.quill.autograd.Gelu.INV_SQRT_2PI;
import static dev.quill.autograd.Gelu.SQRT_2_OVER_PI;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Erf;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Exp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Gelu}'s math on the CPU, for the arrays {@link Kernels#usable} accepts. Two forms:
 * <ul>
 *   <li>FLOAT: {@link FastMath}'s rational erf (exact form) or rational tanh (tanh form) in chunked Java
 *       loops that the JIT vectorizes, or the same polynomials with the Vector API ({@code VectorGelu}, where
 *       {@link Kernels#vector} allows), split over Quill's threads; nothing kept but x (the backward
 *       recomputes Phi or tanh u);</li>
 *   <li>DOUBLE: ND4J computes only the transcendental part (erf, exp or tanh, one call on a buffer of our
 *       own) and Java loops do the rest; Phi(x) or tanh u is kept as the plain path keeps it.</li>
 * </ul>
 * {@code FusedOpTest} holds both forms equal to the plain path, {@code FastMathTest} the FLOAT one to DOUBLE.
 */
final class GeluKernel {

    private static final int PIECE = 1 << 15; // elements worth handing to another thread (~30 us of work)

    private final INDArray x;
    private final boolean tanhForm;
    private final boolean fast; // FLOAT: phi is not kept
    private INDArray phi;       // the DOUBLE or tanh form: Phi(x), or tanh(u)

    GeluKernel(INDArray x, boolean tanhForm) {
        this.x = x;
        this.tanhForm = tanhForm;
        this.fast = x.dataType() == DataType.FLOAT;
    }

    /** {@return y = gelu(x)} */
    INDArray forward() {
        return fast ? forwardFast() : forwardJava();
    }

    /** {@return what the plain backward needs (Phi(x) or tanh u), or null when this kernel kept nothing} */
    INDArray phi() {
        return phi;
    }

    /** {@return true when {@link #backward} runs on this dy (else the op's plain backward runs, with {@link #phi})} */
    boolean takes(INDArray dy) {
        return fast || Kernels.usable(dy);
    }

    /** {@return dx = dy * dy/dx, a new array} */
    INDArray backward(INDArray dy) {
        return fast ? backwardFast(Scratch.plain(dy)) : backwardJava(Shapes.contiguous(dy));
    }

    /** {@return true when {@link #backwardInPlace} runs on this dy: FLOAT, plain} */
    boolean takesInPlace(INDArray dy) {
        return fast && dy.dataType() == DataType.FLOAT && Kernels.plain(dy);
    }

    /** {@return dy, with dx = dy * dy/dx written over it, a chunk at a time (each read before it is written)} */
    INDArray backwardInPlace(INDArray dy) {
        int n = (int) x.length();
        FloatBuffer xs = Scratch.floats(x), dys = Scratch.floats(dy);
        Parallel.range(n, PIECE, Scratch.CHUNK, (from, to) -> backwardRange(xs, dys, dys, from, to, tanhForm));
        return dy;
    }

    private INDArray forwardFast() {
        int n = (int) x.length();
        INDArray y = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        FloatBuffer xs = Scratch.floats(x), ys = Scratch.floats(y);
        Parallel.range(n, PIECE, Scratch.CHUNK, (from, to) -> forwardRange(xs, ys, from, to, tanhForm));
        return y;
    }

    private INDArray backwardFast(INDArray dy) {
        int n = (int) x.length();
        INDArray dx = Nd4j.createUninitialized(DataType.FLOAT, x.shape());
        FloatBuffer xs = Scratch.floats(x), dys = Scratch.floats(dy), dxs = Scratch.floats(dx);
        Parallel.range(n, PIECE, Scratch.CHUNK, (from, to) -> backwardRange(xs, dys, dxs, from, to, tanhForm));
        return dx;
    }

    /** y = gelu(x) over elements [from, to), a chunk at a time. */
    static void forwardRange(FloatBuffer xs, FloatBuffer ys, int from, int to, boolean tanhForm) {
        float[] a = Scratch.get(0);
        boolean vector = Kernels.vectorRequested(); // not vector(): it asks ND4J, which the warm-up runs without
        for (int s = from; s < to; s += Scratch.CHUNK) {
            int m = Math.min(Scratch.CHUNK, to - s);
            xs.get(s, a, 0, m);
            if (vector) {
                VectorGelu.forward(a, a, m, tanhForm);
            } else if (tanhForm) {
                FastMath.geluTanh(a, a, m);
            } else {
                FastMath.gelu(a, a, m);
            }
            ys.put(s, a, 0, m);
        }
    }

    /** dx = dy * gelu'(x) over elements [from, to), a chunk at a time. */
    static void backwardRange(FloatBuffer xs, FloatBuffer dys, FloatBuffer dxs, int from, int to, boolean tanhForm) {
        float[] a = Scratch.get(0), g = Scratch.get(1), r = Scratch.get(2), q = Scratch.get(3);
        boolean vector = Kernels.vectorRequested(); // not vector(): it asks ND4J, which the warm-up runs without
        for (int s = from; s < to; s += Scratch.CHUNK) {
            int m = Math.min(Scratch.CHUNK, to - s);
            xs.get(s, a, 0, m);
            dys.get(s, g, 0, m);
            if (vector) {
                VectorGelu.backward(a, g, g, m, tanhForm);
            } else if (tanhForm) {
                FastMath.geluTanhBackward(a, g, g, r, m);
            } else {
                FastMath.geluBackward(a, g, g, r, q, m);
            }
            dxs.put(s, g, 0, m);
        }
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

    private INDArray backwardJava(INDArray dy) {
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
        return dx;
    }
}
