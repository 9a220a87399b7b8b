package dev.quill.train;

import dev.quill.config.TrainConfig;

/**
 * The learning rate as a function of the iteration {@code it} = 0, 1, 2, ... (the update about to be made).
 * Warmup, when there is one, is nanoGPT's: lr * (it + 1) / (warmup + 1), so the first update is not at 0.
 */
public sealed interface LrSchedule permits LrSchedule.Constant, CosineWithWarmup, LinearWithWarmup {

    /**
     * @param it the iteration, from 0
     * @return the learning rate of that update
     */
    double lr(long it);

    /**
     * @param c a training config
     * @return the schedule it names ("cosine", "linear" or "constant") with its rates and iteration counts
     */
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

    /**
     * The linear warmup shared by the decaying schedules.
     *
     * @param max         the peak rate
     * @param warmupIters the warmup's length
     * @param it          the iteration, from 0
     * @return {@code max * (it + 1) / (warmupIters + 1)} during warmup; NaN once it is over
     */
    static double warmup(double max, int warmupIters, long it) {
        return it < warmupIters ? max * (it + 1) / (warmupIters + 1) : Double.NaN;
    }
}
