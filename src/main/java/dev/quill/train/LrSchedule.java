package dev.quill.train;

import dev.quill.config.TrainConfig;

/**
 * The learning rate as a function of the iteration {@code it} = 0, 1, 2, ... (the update about to be made).
 * Warmup, when there is one, is nanoGPT's: lr * (it + 1) / (warmup + 1), so the first update is not at 0.
 */
public sealed interface LrSchedule permits LrSchedule.Constant, CosineWithWarmup, LinearWithWarmup {

    double lr(long it);

    /** The schedule a training config names. */
    static LrSchedule of(TrainConfig c) {
        return switch (c.schedule()) {
            case "constant" -> new Constant(c.learningRate());
            case "linear" -> new LinearWithWarmup(c.learningRate(), c.minLr(), c.warmupIters(), c.lrDecayIters());
            default -> new CosineWithWarmup(c.learningRate(), c.minLr(), c.warmupIters(), c.lrDecayIters());
        };
    }

    /** The same rate at every step. */
    record Constant(double lr) implements LrSchedule {
        @Override
        public double lr(long it) {
            return lr;
        }
    }

    /** The linear warmup shared by the decaying schedules; NaN once warmup is over. */
    static double warmup(double max, int warmupIters, long it) {
        return it < warmupIters ? max * (it + 1) / (warmupIters + 1) : Double.NaN;
    }
}
