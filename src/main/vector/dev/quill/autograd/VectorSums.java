package dev.quill.autograd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row sums of {@link LayerNormKernel} and the clip's sum of squares ({@link Sums}) with the JDK's Vector
 * API, where {@link Kernels#vector} allows: each lane keeps a float partial sum (two vectors of them, side by
 * side) over a stretch of at most 64 values per lane, and each stretch's lanes are added in lane order into a
 * double, so long arrays add few floats in float and the bits do not depend on whether the JIT has compiled
 * the method. Past the last whole vector, elements are added one by one. A row of 128 floats: 16 additions
 * per lane, against 128 dependent scalar ones.
 */
final class VectorSums {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    // floats per stretch: each lane adds at most 64 values in float before the stretch goes into a double
    private static final int STRETCH = 64 * L;

    private VectorSums() {
    }

    /** {@return the number of floats {@code lanes} needs} */
    static int lanes() {
        return L;
    }

    /** {@return a[0] + ... + a[n - 1]}; lanes is scratch of {@link #lanes} floats */
    static double sum(float[] a, int n, float[] lanes) {
        int whole = n - n % L;
        double s = 0;
        for (int start = 0; start < whole; start += STRETCH) {
            int end = Math.min(whole, start + STRETCH);
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            int j = start;
            for (; j <= end - 2 * L; j += 2 * L) {
                s0 = s0.add(FloatVector.fromArray(F, a, j));
                s1 = s1.add(FloatVector.fromArray(F, a, j + L));
            }
            if (j < end) {
                s0 = s0.add(FloatVector.fromArray(F, a, j));
            }
            s0.add(s1).intoArray(lanes, 0);
            s += inOrder(lanes);
        }
        for (int j = whole; j < n; j++) {
            s += a[j];
        }
        return s;
    }

    /** {@return the sum of (a[j] - mu)^2 over j &lt; n} */
    static double sumOfSquares(float[] a, int n, float mu, float[] lanes) {
        int whole = n - n % L;
        double s = 0;
        for (int start = 0; start < whole; start += STRETCH) {
            int end = Math.min(whole, start + STRETCH);
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            int j = start;
            for (; j <= end - 2 * L; j += 2 * L) {
                FloatVector d0 = FloatVector.fromArray(F, a, j).sub(mu), d1 = FloatVector.fromArray(F, a, j + L).sub(mu);
                s0 = d0.fma(d0, s0);
                s1 = d1.fma(d1, s1);
            }
            if (j < end) {
                FloatVector d0 = FloatVector.fromArray(F, a, j).sub(mu);
                s0 = d0.fma(d0, s0);
            }
            s0.add(s1).intoArray(lanes, 0);
            s += inOrder(lanes);
        }
        for (int j = whole; j < n; j++) {
            float d = a[j] - mu;
            s += d * d;
        }
        return s;
    }

    /** {@return the sum of a[j] * b[j] over j &lt; n} */
    static double dot(float[] a, float[] b, int n, float[] lanes) {
        int whole = n - n % L;
        double s = 0;
        for (int start = 0; start < whole; start += STRETCH) {
            int end = Math.min(whole, start + STRETCH);
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            int j = start;
            for (; j <= end - 2 * L; j += 2 * L) {
                s0 = FloatVector.fromArray(F, a, j).fma(FloatVector.fromArray(F, b, j), s0);
                s1 = FloatVector.fromArray(F, a, j + L).fma(FloatVector.fromArray(F, b, j + L), s1);
            }
            if (j < end) {
                s0 = FloatVector.fromArray(F, a, j).fma(FloatVector.fromArray(F, b, j), s0);
            }
            s0.add(s1).intoArray(lanes, 0);
            s += inOrder(lanes);
        }
        for (int j = whole; j < n; j++) {
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
