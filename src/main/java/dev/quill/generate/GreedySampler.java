package dev.quill.generate;

import dev.quill.autograd.Rng;

/** Always the most likely token: argmax of the logits, ties to the lowest id. Draws nothing from the RNG. */
public final class GreedySampler implements Sampler {

    @Override
    public int sample(double[] logits, Rng rng) {
        return Logits.argmax(logits);
    }

    @Override
    public String toString() {
        return "GreedySampler";
    }
}
