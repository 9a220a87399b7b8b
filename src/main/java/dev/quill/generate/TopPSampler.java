package dev.quill.generate;

import dev.quill.autograd.Rng;

/**
 * Nucleus sampling (Holtzman et al., 2020): sort tokens by probability, keep the smallest prefix whose
 * total probability reaches p (the most likely token is always kept, so a tiny p is greedy), forbid the
 * rest and draw from the renormalized softmax at temperature 1. Ties in probability are ordered by id.
 */
public final class TopPSampler implements Sampler {

    private final double p;

    /**
     * @param p the nucleus mass, in (0, 1]
     * @throws IllegalArgumentException for another p
     */
    public TopPSampler(double p) {
        if (!(p > 0 && p <= 1)) {
            throw new IllegalArgumentException("top-p needs p in (0, 1], got " + p);
        }
        this.p = p;
    }

    /** Sets every logit outside the nucleus of mass p to -inf, in place. */
    static void filter(double[] x, double p) {
        if (p >= 1) {
            return;
        }
        double[] probs = Logits.softmax(x);
        Integer[] order = TopKSampler.Ranking.byLogitDescending(x);
        double cum = 0;
        int keep = 0;
        while (keep < order.length) {
            cum += probs[order[keep]];
            keep++;
            if (cum >= p) {
                break; // the prefix 0 .. keep-1 reaches p
            }
        }
        for (int r = keep; r < order.length; r++) {
            x[order[r]] = Double.NEGATIVE_INFINITY;
        }
    }

    @Override
    public int sample(double[] logits, Rng rng) {
        double[] x = logits.clone();
        filter(x, p);
        return Logits.draw(Logits.softmax(x), rng);
    }

    @Override
    public String toString() {
        return "TopPSampler[p=" + p + "]";
    }
}
