package dev.quill.train;

import dev.quill.data.Batch;
import dev.quill.data.BatchSource;
import java.util.List;

/**
 * Where the {@link Trainer}'s batches come from: an endless, resumable training stream, and the batches
 * of each evaluation. {@link WindowData} is pre-training (random windows of a token stream); instruction
 * tuning plugs in its own (conversations with masked targets), and the trainer does not change.
 */
public interface TrainData {

    /** The training stream from its start, drawn with {@code seed}. */
    BatchSource trainBatches(long seed);

    /** The training stream continued from a saved {@link BatchSource#state()}. */
    BatchSource resumeTrainBatches(long seed, long state);

    /**
     * The training-loss estimate of the evaluation at {@code step}: {@code count} batches that depend on the
     * step only, so an evaluation never disturbs the training stream and a resumed run sees the same ones.
     */
    List<Batch> trainEstimateBatches(long seed, long step, int count);

    /**
     * The validation batches of the evaluation at {@code step}, {@code count} when the data draws them at
     * random (it may return a fixed set instead); empty when there is nothing to validate on.
     */
    List<Batch> valBatches(long seed, long step, int count);

    /**
     * How much a batch's mean loss weighs in an evaluation's average: 1 by default; the number of trained
     * targets where batches hold different numbers of them (masked instruction data).
     */
    default double weight(Batch batch) {
        return 1;
    }

    /** Positions per batch (the tokens/s figure): batch size times block size. */
    long tokensPerBatch();
}
