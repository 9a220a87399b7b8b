package dev.quill.generate;

import dev.quill.autograd.Rng;
import java.util.Arrays;

/**
 * Top-k sampling (Fan et al., 2018): keep the k largest logits, forbid the rest, draw from the
 * renormalized softmax at temperature 1. When logits tie at the boundary, the lower ids are kept, so
 * exactly min(k, allowed) tokens survive. k = 1 is greedy.
 */
public final class TopKSampler implements Sampler {

    private final int k;

    /**
     * @param k the number of tokens kept, at least 1
     * @throws IllegalArgumentException for a smaller k
     */
    public TopKSampler(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("top-k needs k >= 1, got " + k);
        }
        this.k = k;
    }

    /** Sets every logit outside the top k to -inf, in place. */
    static void filter(double[] x, int k) {
        if (k >= x.length) {
            return;
        }
        Integer[] order = Ranking.byLogitDescending(x);
        for (int r = k; r < order.length; r++) {
            x[order[r]] = Double.NEGATIVE_INFINITY;
        }
    }

    @Override
    public int sample(double[] logits, Rng rng) {
        double[] x = logits.clone();
        filter(x, k);
        return Logits.draw(Logits.softmax(x), rng);
    }

    @Override
    public String toString() {
        return "TopKSampler[k=" + k + "]";
    }

    /** Ids sorted by logit, largest first, ties by lower id (a stable order, so results never depend on sort details). */
    static final class Ranking {
        private Ranking() {
        }

        static Integer[] byLogitDescending(double[] x) {
            Integer[] order = new Integer[x.length];
            Arrays.setAll(order, i -> i);
            Arrays.sort(order, (a, b) -> {
                int c = Double.compare(x[b], x[a]);
                return c != 0 ? c : Integer.compare(a, b);
            });
            return order;
        }
    }
}
