package dev.quill.autograd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row sums of {@link LayerNormKernel} with the JDK's Vector API, where {@link Kernels#vector} allows: each
 * lane keeps a float partial sum (two vectors of them, side by side), and the lanes are added in lane order
 * in double at the end, so the bits do not depend on whether the JIT has compiled the method. Past the last
 * whole vector, elements are added one by one. A row of 128 floats: 16 additions per lane, against 128
 * dependent scalar ones.
 */
final class VectorSums {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private VectorSums() {
    }

    /** {@return the number of floats {@code lanes} needs} */
    static int lanes() {
        return L;
    }

    /** {@return a[0] + ... + a[n - 1]}; lanes is scratch of {@link #lanes} floats */
    static double sum(float[] a, int n, float[] lanes) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int j = 0;
        for (; j <= n - 2 * L; j += 2 * L) {
            s0 = s0.add(FloatVector.fromArray(F, a, j));
            s1 = s1.add(FloatVector.fromArray(F, a, j + L));
        }
        for (; j <= n - L; j += L) {
            s0 = s0.add(FloatVector.fromArray(F, a, j));
        }
        s0.add(s1).intoArray(lanes, 0);
        double s = inOrder(lanes);
        for (; j < n; j++) {
            s += a[j];
        }
        return s;
    }

    /** {@return the sum of (a[j] - mu)^2 over j &lt; n} */
    static double sumOfSquares(float[] a, int n, float mu, float[] lanes) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int j = 0;
        for (; j <= n - 2 * L; j += 2 * L) {
            FloatVector d0 = FloatVector.fromArray(F, a, j).sub(mu), d1 = FloatVector.fromArray(F, a, j + L).sub(mu);
            s0 = d0.fma(d0, s0);
            s1 = d1.fma(d1, s1);
        }
        for (; j <= n - L; j += L) {
            FloatVector d0 = FloatVector.fromArray(F, a, j).sub(mu);
            s0 = d0.fma(d0, s0);
        }
        s0.add(s1).intoArray(lanes, 0);
        double s = inOrder(lanes);
        for (; j < n; j++) {
            float d = a[j] - mu;
            s += d * d;
        }
        return s;
    }

    /** {@return the sum of a[j] * b[j] over j &lt; n} */
    static double dot(float[] a, float[] b, int n, float[] lanes) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int j = 0;
        for (; j <= n - 2 * L; j += 2 * L) {
            s0 = FloatVector.fromArray(F, a, j).fma(FloatVector.fromArray(F, b, j), s0);
            s1 = FloatVector.fromArray(F, a, j + L).fma(FloatVector.fromArray(F, b, j + L), s1);
        }
        for (; j <= n - L; j += L) {
            s0 = FloatVector.fromArray(F, a, j).fma(FloatVector.fromArray(F, b, j), s0);
        }
        s0.add(s1).intoArray(lanes, 0);
        double s = inOrder(lanes);
        for (; j < n; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    private static double inOrder(float[] lanes) {
        double s = 0;
        for (int k = 0; k < L; k++) {
            s += lanes[k];
        }
        return s;
    }
}
