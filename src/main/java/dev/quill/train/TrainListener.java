package dev.quill.train;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Hears about a run as it goes: every step (for a progress bar) and every metrics line (logged every
 * {@code log_interval} steps and at each evaluation). The command line's progress bar is one.
 */
public interface TrainListener {

    /**
     * After each optimizer step.
     *
     * @param step         the step just made, from 1
     * @param maxSteps     the run's max_iters
     * @param loss         the step's training loss (mean over its micro-batches)
     * @param lr           the learning rate it used
     * @param tokensPerSec the step's throughput
     */
    default void onStep(long step, long maxSteps, double loss, double lr, double tokensPerSec) {
    }

    /**
     * After each metrics line is written.
     *
     * @param line the line, as written to {@code metrics.jsonl}
     */
    default void onMetrics(ObjectNode line) {
    }
}
