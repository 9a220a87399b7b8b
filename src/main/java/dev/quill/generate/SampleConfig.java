package dev.quill.generate;

import dev.quill.config.ConfigJson;

/**
 * How to pick each next token, as data. The steps run in the usual order: repetition penalty,
 * temperature, top-k, top-p, then one draw (see {@link SamplerChain}).
 *
 * @param temperature       divides the logits; {@code 0} means greedy (argmax, no draw)
 * @param topK              keep the k most likely tokens; 0 turns it off
 * @param topP              keep the nucleus of probability p, in (0, 1]; 1 turns it off
 * @param repetitionPenalty CTRL's r >= 1 for already generated tokens; 1 turns it off
 * @param seed              seeds the {@link dev.quill.autograd.Rng} of the draws: same seed and prompt, same text
 */
public record SampleConfig(double temperature, int topK, double topP, double repetitionPenalty, long seed) {

    private static final String S = "sample";

    /**
     * Validates every field; a bad value fails with a message naming the key.
     *
     * @param temperature       finite, at least 0
     * @param topK              0 or more
     * @param topP              in (0, 1]
     * @param repetitionPenalty finite, at least 1
     * @param seed              any
     * @throws dev.quill.config.BadInputException for the first rule broken
     */
    public SampleConfig {
        ConfigJson.require(temperature >= 0 && !Double.isInfinite(temperature), S, "temperature", temperature,
                "must be a finite number >= 0 (0 means greedy)");
        ConfigJson.require(topK >= 0, S, "top_k", topK, "must be >= 0 (0 turns it off)");
        ConfigJson.require(topP > 0 && topP <= 1, S, "top_p", topP, "must be in (0, 1] (1 turns it off)");
        ConfigJson.require(repetitionPenalty >= 1 && !Double.isInfinite(repetitionPenalty), S, "repetition_penalty",
                repetitionPenalty, "must be a finite number >= 1 (1 turns it off)");
    }

    /** {@return nanoGPT's sample.py defaults: temperature 0.8, top-k 200, no top-p, no penalty, seed 1337} */
    public static SampleConfig defaults() {
        return new SampleConfig(0.8, 200, 1.0, 1.0, 1337);
    }

    /** {@return settings that take the argmax at every step} */
    public static SampleConfig greedy() {
        return new SampleConfig(0.0, 0, 1.0, 1.0, 0);
    }

    /**
     * @param t the temperature, at least 0; 0 is greedy
     * @return the same settings with another temperature
     */
    public SampleConfig withTemperature(double t) {
        return new SampleConfig(t, topK, topP, repetitionPenalty, seed);
    }

    /**
     * @param k keep the k most likely tokens; 0 turns it off
     * @return the same settings with another top-k
     */
    public SampleConfig withTopK(int k) {
        return new SampleConfig(temperature, k, topP, repetitionPenalty, seed);
    }

    /**
     * @param p the nucleus mass, in (0, 1]; 1 turns it off
     * @return the same settings with another top-p
     */
    public SampleConfig withTopP(double p) {
        return new SampleConfig(temperature, topK, p, repetitionPenalty, seed);
    }

    /**
     * @param r CTRL's penalty, at least 1; 1 turns it off
     * @return the same settings with another penalty
     */
    public SampleConfig withRepetitionPenalty(double r) {
        return new SampleConfig(temperature, topK, topP, r, seed);
    }

    /**
     * @param s the seed of the draws
     * @return the same settings with another seed
     */
    public SampleConfig withSeed(long s) {
        return new SampleConfig(temperature, topK, topP, repetitionPenalty, s);
    }

    /** {@return true when the choice is the argmax (no randomness): temperature 0 or less} */
    public boolean isGreedy() {
        return temperature <= 0;
    }

    /** {@return the sampler these settings describe} */
    public SamplerChain sampler() {
        return new SamplerChain(this);
    }
}
