package dev.quill.train;

/**
 * Linear warmup to {@code max}, then a straight line down to {@code min} at {@code decayIters}, then min
 * (immediately after warmup when {@code decay <= warmup}).
 */
public record LinearWithWarmup(double max, double min, int warmupIters, int decayIters) implements LrSchedule {

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
        return max - (max - min) * ratio;
    }
}
