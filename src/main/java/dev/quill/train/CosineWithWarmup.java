package dev.quill.train;

/**
 * Linear warmup to {@code max}, then half a cosine down to {@code min} at {@code decayIters}, then
 * {@code min} (nanoGPT's rule):
 * <pre>{@code
 *   it < warmup:              max * (it + 1) / (warmup + 1)
 *   warmup <= it <= decay:    min + (max - min) * 0.5 * (1 + cos(pi * (it - warmup) / (decay - warmup)))
 *   it > decay:               min
 * }</pre>
 * When {@code decay <= warmup} there is nothing to decay over: after warmup the rate is min.
 */
public record CosineWithWarmup(double max, double min, int warmupIters, int decayIters) implements LrSchedule {

    @Override
    public double lr(long it) {
        double w = LrSchedule.warmup(max, warmupIters, it);
        if (!Double.isNaN(w)) {
            return w;
        }
        if (it >= decayIters) {
            return min;
        }
        double ratio = (double) (it - warmupIters) / (decayIters - warmupIters);
        return min + (max - min) * 0.5 * (1 + Math.cos(Math.PI * ratio));
    }
}
