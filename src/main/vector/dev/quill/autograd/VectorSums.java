package dev.quill.autograd;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The row sums of {@link LayerNormKernel} and the clip's sum of squares ({@link Sums}) with the JDK's Vector
 * API, where {@link Kernels#vector} allows: each lane keeps a float partial sum (two vectors of them, side by
 * side) over a stretch of at most 64 values per lane, and each stretch's lanes are added in lane order into a
 * double, so long arrays add few floats in float and the bits do not depend on whether the JIT has compiled
 * the method. Past the last whole vector, elements are added one by one. A row of 128 floats: 16 additions
 * per lane, against 128 dependent scalar ones. All three sums are one loop, the sum of (a - mu)(b - mu): a sum
 * is a's products with ones, a dot product takes mu = 0, and both give the same bits as their own loops would.
 */
final class VectorSums {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    // floats per stretch: each lane adds at most 64 values in float before the stretch goes into a double
    private static final int STRETCH = 64 * L;
    private static final float[] ONES = ones(Scratch.CHUNK);

    private VectorSums() {
    }

    /** {@return a[0] + ... + a[n - 1]} for n up to {@link Scratch#CHUNK}; lanes is scratch of at least one vector's floats */
    static double sum(float[] a, int n, float[] lanes) {
        return centredDot(a, ONES, n, 0f, lanes);                    // (a - 0)(1 - 0) is a, exactly
    }

    /** {@return the sum of (a[j] - mu)^2 over j &lt; n} */
    static double sumOfSquares(float[] a, int n, float mu, float[] lanes) {
        return centredDot(a, a, n, mu, lanes);
    }

    /** {@return the sum of a[j] * b[j] over j &lt; n} */
    static double dot(float[] a, float[] b, int n, float[] lanes) {
        return centredDot(a, b, n, 0f, lanes);                       // a - 0 is a, exactly
    }

    /** The sum of (a[j] - mu)(b[j] - mu) over j &lt; n: each product in float, each stretch's lanes into a double. */
    private static double centredDot(float[] a, float[] b, int n, float mu, float[] lanes) {
        int whole = n - n % L;
        double s = 0;
        for (int start = 0; start < whole; start += STRETCH) {
            int end = Math.min(whole, start + STRETCH);
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            int j = start;
            for (; j <= end - 2 * L; j += 2 * L) {
                s0 = FloatVector.fromArray(F, a, j).sub(mu).fma(FloatVector.fromArray(F, b, j).sub(mu), s0);
                s1 = FloatVector.fromArray(F, a, j + L).sub(mu).fma(FloatVector.fromArray(F, b, j + L).sub(mu), s1);
            }
            if (j < end) {
                s0 = FloatVector.fromArray(F, a, j).sub(mu).fma(FloatVector.fromArray(F, b, j).sub(mu), s0);
            }
            s0.add(s1).intoArray(lanes, 0);
            s += inOrder(lanes);
        }
        for (int j = whole; j < n; j++) {
            s += (a[j] - mu) * (b[j] - mu);
        }
        return s;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        java.util.Arrays.fill(a, 1f);
        return a;
    }

    private static double inOrder(float[] lanes) {
        double s = 0;
        for (int k = 0; k < L; k++) {
            s += lanes[k];
        }
        return s;
    }
}
