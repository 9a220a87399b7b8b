package dev.quill.generate;

import dev.quill.autograd.Rng;

/**
 * The samplers composed in the usual order, on a copy of the logits x:
 * <pre>{@code
 *   1. repetition penalty on the ids generated so far   (CTRL; skipped when r = 1)
 *   2. temperature: x = (x - max x) / t                 (t <= 0: return argmax now)
 *   3. top-k: forbid all but the k largest               (skipped when k = 0)
 *   4. top-p: forbid all outside the nucleus of mass p   (skipped when p = 1)
 *   5. one draw from softmax(x)
 * }</pre>
 * Top-p measures its nucleus on the distribution left by steps 1-3, as Hugging Face's processors do.
 */
public final class SamplerChain implements Sampler {

    private final SampleConfig config;
    private final RepetitionPenalty penalty;

    /** @param config the settings of the five steps */
    public SamplerChain(SampleConfig config) {
        this.config = config;
        this.penalty = new RepetitionPenalty(config.repetitionPenalty());
    }

    /** {@return the settings} */
    public SampleConfig config() {
        return config;
    }

    /** Steps 2-5, with no history (no penalty). */
    @Override
    public int sample(double[] logits, Rng rng) {
        return sample(logits, new int[0], 0, rng);
    }

    /**
     * Steps 1-5.
     *
     * @param logits    one row of V logits; not modified
     * @param generated the ids generated so far, in {@code generated[0 .. count)}
     * @param count     how many of {@code generated} count
     * @param rng       the source of the draw
     * @return the next token id
     */
    public int sample(double[] logits, int[] generated, int count, Rng rng) {
        double[] x = logits.clone();
        penalty.apply(x, generated, count);
        if (config.isGreedy()) {
            return Logits.argmax(x);
        }
        TemperatureSampler.scale(x, config.temperature());
        if (config.topK() > 0) {
            TopKSampler.filter(x, config.topK());
        }
        TopPSampler.filter(x, config.topP());
        return Logits.draw(Logits.softmax(x), rng);
    }

    /**
     * {@link #sample(double[], int[], int, Rng)} of a float row, widened to double.
     *
     * @param logits    one row of V logits; not modified
     * @param generated the ids generated so far, in {@code generated[0 .. count)}
     * @param count     how many of {@code generated} count
     * @param rng       the source of the draw
     * @return the next token id
     */
    public int sample(float[] logits, int[] generated, int count, Rng rng) {
        return sample(Logits.widen(logits), generated, count, rng);
    }

    @Override
    public String toString() {
        return "SamplerChain" + config;
    }
}
