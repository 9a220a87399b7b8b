package dev.quill.model;

import dev.quill.autograd.Kernels;

/**
 * The dot products a decode step is made of, one weight row against one input row: the plain loops below
 * (the oracle), and the same sums in SIMD registers in {@code VectorRowDots} (the JDK's Vector API), chosen
 * by {@link #vector()} once per product. C2 does not vectorize a float sum by itself (it would reorder the
 * additions), so the plain loop keeps four partial sums; the vector one keeps two vectors of them.
 */
final class RowDots {

    private RowDots() {
    }

    /** {@return whether the Vector API kernels run (see {@link Kernels#vector})} */
    static boolean vector() {
        return Kernels.vector();
    }

    /** sum_i a[i] b[i] for i &lt; n, with the vector kernel when {@code vector}. */
    static float dot(boolean vector, float[] a, float[] b, int n) {
        return vector ? VectorRowDots.dot(a, b, n) : dot(a, b, n);
    }

    /** sum_i a[aOff + i] b[bOff + i] for i &lt; n (a query against a cached key), vector kernel when {@code vector}. */
    static float dot(boolean vector, float[] a, int aOff, float[] b, int bOff, int n) {
        if (vector) {
            return VectorRowDots.dot(a, aOff, b, bOff, n);
        }
        float s = 0;
        for (int i = 0; i < n; i++) {
            s += a[aOff + i] * b[bOff + i];
        }
        return s;
    }

    /** sum_i q[off + i] x[i] for i &lt; n, with the vector kernel when {@code vector}. */
    static float dotInt8(boolean vector, byte[] q, int off, float[] x, int n) {
        return vector ? VectorRowDots.dotInt8(q, off, x, n) : dotInt8(q, off, x, n);
    }

    /** sum_i a[i] b[i] for i &lt; n, plain. */
    static float dot(float[] a, float[] b, int n) {
        return dot(a, 0, b, n);
    }

    /** sum_i a[off + i] b[i] for i &lt; n, plain: four partial sums. */
    static float dot(float[] a, int off, float[] b, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[off + i] * b[i];
            s1 += a[off + i + 1] * b[i + 1];
            s2 += a[off + i + 2] * b[i + 2];
            s3 += a[off + i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[off + i] * b[i];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** sum_i q[off + i] x[i] for i &lt; n, plain: the int8 values widened to float, four partial sums. */
    static float dotInt8(byte[] q, int off, float[] x, int n) {
        float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += q[off + i] * x[i];
            s1 += q[off + i + 1] * x[i + 1];
            s2 += q[off + i + 2] * x[i + 2];
            s3 += q[off + i + 3] * x[i + 3];
        }
        for (; i < n; i++) {
            s0 += q[off + i] * x[i];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
