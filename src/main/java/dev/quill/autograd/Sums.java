package dev.quill.autograd;

/**
 * Sums over float arrays for loops outside the ops (the gradient clip's global norm): a plain loop with four
 * partial sums in double, or, where {@link Kernels#vector} allows, float lanes of the Vector API added into a
 * double every 64 values per lane ({@code VectorSums}). Either way the order is fixed, so the result does not
 * depend on threads or on the JIT.
 */
public final class Sums {

    // per thread: the lanes of a vector, for VectorSums (sized when first used, where the module is there)
    private static final ThreadLocal<float[]> LANES = ThreadLocal.withInitial(() -> new float[VectorSums.lanes()]);

    private Sums() {
    }

    /**
     * @param a the values
     * @param n how many of them, from index 0
     * @return a[0]^2 + ... + a[n - 1]^2
     */
    public static double ofSquares(float[] a, int n) {
        if (Kernels.vectorRequested()) {
            return VectorSums.sumOfSquares(a, n, 0f, LANES.get());
        }
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;        // four additions at once instead of each waiting for the last
        int i = 0;
        for (; i + 3 < n; i += 4) {
            double v0 = a[i], v1 = a[i + 1], v2 = a[i + 2], v3 = a[i + 3];
            s0 += v0 * v0;
            s1 += v1 * v1;
            s2 += v2 * v2;
            s3 += v3 * v3;
        }
        for (; i < n; i++) {
            double v = a[i];
            s0 += v * v;
        }
        return (s0 + s1) + (s2 + s3);
    }
}
