package dev.quill.autograd;

/**
 * Sums over float arrays, in a fixed order so the result depends neither on threads nor on the JIT: LayerNorm's
 * row sums and the gradient clip's global norm. The plain loops keep four partial sums in double (one running
 * sum waits on the addition before it, 4 cycles each; four run side by side). Where {@link Kernels#vector}
 * allows, float lanes of the Vector API run instead, added into a double every 64 values per lane
 * ({@code VectorSums}); the ops' kernels choose between the two once per piece of rows.
 */
public final class Sums {

    private Sums() {
    }

    /**
     * @param a the values
     * @param n how many of them, from index 0
     * @return a[0]^2 + ... + a[n - 1]^2, each square in float
     */
    public static double ofSquares(float[] a, int n) {
        return Kernels.vectorRequested() ? VectorSums.sumOfSquares(a, n, 0f, Scratch.get(4)) : sumOfSquares(a, n, 0f);
    }

    /** {@return a[0] + ... + a[n - 1], in double} */
    static double sum(float[] a, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            s0 += a[j];
            s1 += a[j + 1];
            s2 += a[j + 2];
            s3 += a[j + 3];
        }
        for (; j < n; j++) {
            s0 += a[j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@return the sum of (a[j] - mu)^2 over j &lt; n, each square in float as the row loop makes it, summed in double} */
    static double sumOfSquares(float[] a, int n, float mu) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            float d0 = a[j] - mu, d1 = a[j + 1] - mu, d2 = a[j + 2] - mu, d3 = a[j + 3] - mu;
            s0 += d0 * d0;
            s1 += d1 * d1;
            s2 += d2 * d2;
            s3 += d3 * d3;
        }
        for (; j < n; j++) {
            float d = a[j] - mu;
            s0 += d * d;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@return the sum of a[j] * b[j] over j &lt; n, each product in float, summed in double} */
    static double dot(float[] a, float[] b, int n) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (; j + 3 < n; j += 4) {
            s0 += a[j] * b[j];
            s1 += a[j + 1] * b[j + 1];
            s2 += a[j + 2] * b[j + 2];
            s3 += a[j + 3] * b[j + 3];
        }
        for (; j < n; j++) {
            s0 += a[j] * b[j];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
