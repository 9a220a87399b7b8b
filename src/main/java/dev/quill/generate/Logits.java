package dev.quill.generate;

import dev.quill.autograd.Rng;

/**
 * The arithmetic the samplers share, on one row of logits x (length V), in double:
 * <pre>
 *   softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m),   m = max_j x_j   (no overflow, -inf gives 0)
 *   draw: the smallest i with  p_0 + ... + p_i > u,     u uniform in [0, 1)
 * </pre>
 */
final class Logits {

    private Logits() {
    }

    static double[] widen(float[] row) {
        double[] out = new double[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = row[i];
        }
        return out;
    }

    /** The id of the largest logit; ties go to the lowest id. NaN fails loudly (a broken model). */
    static int argmax(double[] x) {
        int best = -1;
        for (int i = 0; i < x.length; i++) {
            if (Double.isNaN(x[i])) {
                throw new IllegalStateException("logit " + i + " is NaN: the model's output is broken");
            }
            if (x[i] != Double.NEGATIVE_INFINITY && (best < 0 || x[i] > x[best])) {
                best = i;
            }
        }
        if (best < 0) {
            throw new IllegalStateException("every one of " + x.length + " tokens is forbidden (all logits -inf)");
        }
        return best;
    }

    /** Probabilities from logits, max subtracted first; forbidden (-inf) tokens get exactly 0. */
    static double[] softmax(double[] x) {
        double m = x[argmax(x)];
        double[] p = new double[x.length];
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            p[i] = Math.exp(x[i] - m);   // exp(-inf) = 0; the max gives exp(0) = 1, so sum >= 1
            sum += p[i];
        }
        for (int i = 0; i < x.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    /** One draw from probabilities p (summing to 1) by inverting the cumulative sum; never a zero entry. */
    static int draw(double[] p, Rng rng) {
        double u = rng.nextDouble();
        double cum = 0;
        int last = -1;
        for (int i = 0; i < p.length; i++) {
            if (p[i] > 0) {
                cum += p[i];
                last = i;
                if (u < cum) {
                    return i;
                }
            }
        }
        return last; // rounding left cum a hair below u: the last allowed token
    }
}
