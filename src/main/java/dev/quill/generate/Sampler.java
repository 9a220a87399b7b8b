package dev.quill.generate;

import dev.quill.autograd.Rng;

/**
 * Picks the next token id from one row of logits (V unnormalized log-probabilities). Implementations never
 * modify the caller's array and draw all randomness from the given {@link Rng}, so a seed fixes the text.
 *
 * <p>Logits of {@code -Infinity} mark forbidden tokens: no sampler ever returns one.
 */
public interface Sampler {

    /**
     * @param logits one row of V logits; not modified
     * @param rng    the source of every random draw
     * @return the next token id, in {@code [0, logits.length)}
     */
    int sample(double[] logits, Rng rng);

    /**
     * {@link #sample(double[], Rng)} of a float row (what the model returns), widened to double.
     *
     * @param logits one row of V logits; not modified
     * @param rng    the source of every random draw
     * @return the next token id
     */
    default int sample(float[] logits, Rng rng) {
        return sample(Logits.widen(logits), rng);
    }
}
