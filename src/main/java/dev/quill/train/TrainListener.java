package dev.quill.train;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Hears about a run as it goes: every step (for a progress bar) and every metrics line (logged every
 * {@code log_interval} steps and at each evaluation). The command line's progress bar is one.
 */
public interface TrainListener {

    /** After each optimizer step. */
    default void onStep(long step, long maxSteps, double loss, double lr, double tokensPerSec) {
    }

    /** After each metrics line is written. */
    default void onMetrics(ObjectNode line) {
    }
}
