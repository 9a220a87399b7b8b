package dev.quill.generate;

/**
 * Pearson's chi-square goodness-of-fit test for the samplers: X^2 = sum_i (O_i - E_i)^2 / E_i over the
 * categories with E_i > 0, with df = (categories with E_i > 0) - 1. A draw in a category of probability 0
 * makes X^2 infinite. Critical values at significance 0.001 from the chi-square table.
 */
final class ChiSquare {

    // df = 1 .. 9 at alpha = 0.001
    private static final double[] CRITICAL_0_001 = {10.828, 13.816, 16.266, 18.467, 20.515, 22.458, 24.322, 26.124, 27.877};

    private ChiSquare() {
    }

    static double statistic(int[] observed, double[] expectedProbs) {
        long n = 0;
        for (int o : observed) {
            n += o;
        }
        double x2 = 0;
        for (int i = 0; i < observed.length; i++) {
            double e = n * expectedProbs[i];
            if (e == 0) {
                if (observed[i] > 0) {
                    return Double.POSITIVE_INFINITY;
                }
                continue;
            }
            x2 += (observed[i] - e) * (observed[i] - e) / e;
        }
        return x2;
    }

    static double critical(double[] expectedProbs) {
        int k = 0;
        for (double p : expectedProbs) {
            k += p > 0 ? 1 : 0;
        }
        return CRITICAL_0_001[k - 2];
    }

    /** True when the counts are consistent with the probabilities at significance 0.001. */
    static boolean accepts(int[] observed, double[] expectedProbs) {
        return statistic(observed, expectedProbs) < critical(expectedProbs);
    }
}
