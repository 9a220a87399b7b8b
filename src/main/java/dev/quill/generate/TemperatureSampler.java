package dev.quill.generate;

import dev.quill.autograd.Rng;

/**
 * Draws from softmax(x / t). Temperature {@code t < 1} sharpens the distribution, {@code t > 1} flattens it,
 * and {@code t <= 0} means greedy. The row maximum is subtracted before dividing, (x_i - m) / t, so a tiny t
 * gives large negative numbers whose exp is 0, never an overflow: as {@code t -> 0} the draw becomes the argmax.
 */
public final class TemperatureSampler implements Sampler {

    private final double temperature;

    /**
     * @param temperature t; 0 or less is greedy
     * @throws IllegalArgumentException for NaN
     */
    public TemperatureSampler(double temperature) {
        if (Double.isNaN(temperature)) {
            throw new IllegalArgumentException("temperature is NaN");
        }
        this.temperature = temperature;
    }

    /** x' = (x - max x) / t in place (t > 0); -inf stays -inf, the maximum becomes 0. */
    static void scale(double[] x, double t) {
        double m = x[Logits.argmax(x)];
        for (int i = 0; i < x.length; i++) {
            x[i] = (x[i] - m) / t;
        }
    }

    @Override
    public int sample(double[] logits, Rng rng) {
        if (temperature <= 0) {
            return Logits.argmax(logits);
        }
        double[] x = logits.clone();
        scale(x, temperature);
        return Logits.draw(Logits.softmax(x), rng);
    }

    @Override
    public String toString() {
        return "TemperatureSampler[t=" + temperature + "]";
    }
}
