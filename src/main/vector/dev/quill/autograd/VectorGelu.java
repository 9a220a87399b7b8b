package dev.quill.autograd;

import static dev.quill.autograd.FastMath.D2;
import static dev.quill.autograd.FastMath.D3;
import static dev.quill.autograd.FastMath.D4;
import static dev.quill.autograd.FastMath.D5;
import static dev.quill.autograd.FastMath.D6;
import static dev.quill.autograd.FastMath.E2;
import static dev.quill.autograd.FastMath.E3;
import static dev.quill.autograd.FastMath.E4;
import static dev.quill.autograd.FastMath.E5;
import static dev.quill.autograd.FastMath.ERF_LIMIT;
import static dev.quill.autograd.FastMath.GELU_C;
import static dev.quill.autograd.FastMath.INV_SQRT_2;
import static dev.quill.autograd.FastMath.P0;
import static dev.quill.autograd.FastMath.P1;
import static dev.quill.autograd.FastMath.P2;
import static dev.quill.autograd.FastMath.P3;
import static dev.quill.autograd.FastMath.P4;
import static dev.quill.autograd.FastMath.P5;
import static dev.quill.autograd.FastMath.P6;
import static dev.quill.autograd.FastMath.Q1;
import static dev.quill.autograd.FastMath.Q2;
import static dev.quill.autograd.FastMath.Q3;
import static dev.quill.autograd.FastMath.Q4;
import static dev.quill.autograd.FastMath.Q5;
import static dev.quill.autograd.FastMath.R0;
import static dev.quill.autograd.FastMath.R1;
import static dev.quill.autograd.FastMath.R2;
import static dev.quill.autograd.FastMath.R3;
import static dev.quill.autograd.FastMath.R4;
import static dev.quill.autograd.FastMath.R5;
import static dev.quill.autograd.FastMath.R6;
import static dev.quill.autograd.FastMath.S1;
import static dev.quill.autograd.FastMath.S2;
import static dev.quill.autograd.FastMath.S3;
import static dev.quill.autograd.FastMath.S4;
import static dev.quill.autograd.FastMath.S5;
import static dev.quill.autograd.FastMath.S6;
import static dev.quill.autograd.FastMath.SQRT_2_OVER_PI;
import static dev.quill.autograd.FastMath.TANH_LIMIT;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link FastMath}'s GELU (both forms) with the JDK's Vector API, for {@link GeluKernel} where
 * {@link Kernels#vector} says the module is there. The same polynomials, with fused multiply-adds:
 * <pre>
 *   exact:  u = x / sqrt 2,  Phi = 1/2 + 1/2 u P(u^2) / Q(u^2),   y = x Phi
 *           dy/dx = Phi + x phi,  phi = erf'(u) / (2 sqrt 2),  erf'(u) = P/Q + 2 u^2 (P' Q - P Q') / Q^2
 *   tanh:   u = sqrt(2/pi) (x + 0.044715 x^3),  t = u R(u^2) / S(u^2),  y = x (1 + t) / 2
 *           dy/dx = (1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 0.044715 x^2) / 2
 * </pre>
 * FastMath's backward makes three passes, since C2 vectorizes only short loop bodies; here the whole slope
 * is one pass in registers (on this project's AMD host, one thread: 1.4-1.7 against 2.0-2.5 ns per element
 * in cache). Elements past the last whole vector take the same operations one at a time ({@code Math.fma}
 * where the lanes fuse), so every element's bits are the same whatever the vector width.
 */
final class VectorGelu {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    private static final float HALF_INV_SQRT_2 = 0.5f * INV_SQRT_2;

    private VectorGelu() {
    }

    /** y[i] = gelu(x[i]) for i &lt; n, exact or tanh form (y may be x). */
    static void forward(float[] x, float[] y, int n, boolean tanhForm) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            (tanhForm ? v.mul(tanh(tanhArgument(v)).add(1f)).mul(0.5f) : v.mul(cdf(v))).intoArray(y, i);
        }
        for (; i < n; i++) {
            float v = x[i];
            y[i] = tanhForm ? v * (tanh(tanhArgument(v)) + 1f) * 0.5f : v * cdf(v);
        }
    }

    /** dx[i] = dy[i] gelu'(x[i]) for i &lt; n (dx may be dy). */
    static void backward(float[] x, float[] dy, float[] dx, int n, boolean tanhForm) {
        int i = 0;
        for (; i <= n - L; i += L) {
            FloatVector v = FloatVector.fromArray(F, x, i);
            FloatVector slope = tanhForm ? tanhSlope(v) : slope(v);
            FloatVector.fromArray(F, dy, i).mul(slope).intoArray(dx, i);
        }
        for (; i < n; i++) {
            dx[i] = dy[i] * (tanhForm ? tanhSlope(x[i]) : slope(x[i]));
        }
    }

    // ---- exact form: erf(u) = u P(z) / Q(z), z = u^2 ----

    private static FloatVector erfArgument(FloatVector v) {
        return v.mul(INV_SQRT_2).max(-ERF_LIMIT).min(ERF_LIMIT);
    }

    private static float erfArgument(float v) {
        return Math.max(-ERF_LIMIT, Math.min(ERF_LIMIT, v * INV_SQRT_2));
    }

    private static FloatVector p(FloatVector z) {
        return z.fma(P6, P5).fma(z, FloatVector.broadcast(F, P4)).fma(z, FloatVector.broadcast(F, P3))
                .fma(z, FloatVector.broadcast(F, P2)).fma(z, FloatVector.broadcast(F, P1)).fma(z, FloatVector.broadcast(F, P0));
    }

    private static float p(float z) {
        return Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(z, P6, P5), z, P4), z, P3), z, P2), z, P1), z, P0);
    }

    private static FloatVector q(FloatVector z) {
        return z.fma(Q5, Q4).fma(z, FloatVector.broadcast(F, Q3)).fma(z, FloatVector.broadcast(F, Q2))
                .fma(z, FloatVector.broadcast(F, Q1)).fma(z, FloatVector.broadcast(F, 1f));
    }

    private static float q(float z) {
        return Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(z, Q5, Q4), z, Q3), z, Q2), z, Q1), z, 1f);
    }

    /** P'(z) = P1 + 2 P2 z + ... + 6 P6 z^5 */
    private static FloatVector dp(FloatVector z) {
        return z.fma(D6, D5).fma(z, FloatVector.broadcast(F, D4)).fma(z, FloatVector.broadcast(F, D3))
                .fma(z, FloatVector.broadcast(F, D2)).fma(z, FloatVector.broadcast(F, P1));
    }

    private static float dp(float z) {
        return Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(z, D6, D5), z, D4), z, D3), z, D2), z, P1);
    }

    /** Q'(z) = Q1 + 2 Q2 z + ... + 5 Q5 z^4 */
    private static FloatVector dq(FloatVector z) {
        return z.fma(E5, E4).fma(z, FloatVector.broadcast(F, E3)).fma(z, FloatVector.broadcast(F, E2))
                .fma(z, FloatVector.broadcast(F, Q1));
    }

    private static float dq(float z) {
        return Math.fma(Math.fma(Math.fma(Math.fma(z, E5, E4), z, E3), z, E2), z, Q1);
    }

    /** Phi(x) = 1/2 + 1/2 erf(x / sqrt 2) */
    private static FloatVector cdf(FloatVector v) {
        FloatVector u = erfArgument(v), z = u.mul(u);
        return u.mul(p(z)).div(q(z)).fma(0.5f, 0.5f);
    }

    private static float cdf(float v) {
        float u = erfArgument(v), z = u * u;
        return Math.fma(u * p(z) / q(z), 0.5f, 0.5f);
    }

    /** Phi(x) + x phi(x), with r = P/Q and erf'(u) = r + 2 z (P' - r Q') / Q */
    private static FloatVector slope(FloatVector v) {
        FloatVector u = erfArgument(v), z = u.mul(u);
        FloatVector inv = FloatVector.broadcast(F, 1f).div(q(z));
        FloatVector r = p(z).mul(inv);
        FloatVector s = dp(z).sub(r.mul(dq(z))).mul(inv);
        FloatVector derf = z.mul(2f).fma(s, r);
        return u.mul(r).fma(0.5f, 0.5f).add(v.mul(HALF_INV_SQRT_2).mul(derf));
    }

    private static float slope(float v) {
        float u = erfArgument(v), z = u * u;
        float inv = 1f / q(z);
        float r = p(z) * inv;
        float s = (dp(z) - r * dq(z)) * inv;
        float derf = Math.fma(z * 2f, s, r);
        return Math.fma(u * r, 0.5f, 0.5f) + v * HALF_INV_SQRT_2 * derf;
    }

    // ---- tanh form: tanh(u) = u R(z) / S(z), z = u^2 ----

    private static FloatVector tanhArgument(FloatVector v) {
        return v.mul(v).mul(v).mul(GELU_C).add(v).mul(SQRT_2_OVER_PI).max(-TANH_LIMIT).min(TANH_LIMIT);
    }

    private static float tanhArgument(float v) {
        return Math.max(-TANH_LIMIT, Math.min(TANH_LIMIT, (v * v * v * GELU_C + v) * SQRT_2_OVER_PI));
    }

    private static FloatVector tanh(FloatVector u) {
        FloatVector z = u.mul(u);
        FloatVector r = z.fma(R6, R5).fma(z, FloatVector.broadcast(F, R4)).fma(z, FloatVector.broadcast(F, R3))
                .fma(z, FloatVector.broadcast(F, R2)).fma(z, FloatVector.broadcast(F, R1)).fma(z, FloatVector.broadcast(F, R0));
        FloatVector s = z.fma(S6, S5).fma(z, FloatVector.broadcast(F, S4)).fma(z, FloatVector.broadcast(F, S3))
                .fma(z, FloatVector.broadcast(F, S2)).fma(z, FloatVector.broadcast(F, S1)).fma(z, FloatVector.broadcast(F, 1f));
        return u.mul(r).div(s);
    }

    private static float tanh(float u) {
        float z = u * u;
        float r = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(z, R6, R5), z, R4), z, R3), z, R2), z, R1), z, R0);
        float s = Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(Math.fma(z, S6, S5), z, S4), z, S3), z, S2), z, S1), z, 1f);
        return u * r / s;
    }

    /** (1 + t) / 2 + x (1 - t^2) sqrt(2/pi) (1 + 3 0.044715 x^2) / 2 */
    private static FloatVector tanhSlope(FloatVector v) {
        FloatVector t = tanh(tanhArgument(v));
        FloatVector inner = v.mul(v).mul(3f * GELU_C).add(1f).mul(0.5f * SQRT_2_OVER_PI);
        FloatVector sech2 = t.neg().fma(t, FloatVector.broadcast(F, 1f));
        return t.add(1f).mul(0.5f).add(v.mul(sech2).mul(inner));
    }

    private static float tanhSlope(float v) {
        float t = tanh(tanhArgument(v));
        float inner = (v * v * (3f * GELU_C) + 1f) * (0.5f * SQRT_2_OVER_PI);
        float sech2 = Math.fma(-t, t, 1f);
        return (t + 1f) * 0.5f + v * sech2 * inner;
    }
}
