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

    /**
     * The training stream from its start.
     *
     * @param seed the run's {@code train.seed}, which fixes the order of the batches
     * @return an endless stream of training batches
     */
    BatchSource trainBatches(long seed);

    /**
     * The training stream continued where a saved one stood, for an exact resume.
     *
     * @param seed  the run's {@code train.seed}, as given to {@link #trainBatches(long)}
     * @param state a {@link BatchSource#state()} of that stream, saved with the checkpoint
     * @return the stream whose next batch is the one the saved stream would have drawn next
     */
    BatchSource resumeTrainBatches(long seed, long state);

    /**
     * The training-loss estimate of the evaluation at {@code step}: {@code count} batches that depend on the
     * step only, so an evaluation never disturbs the training stream and a resumed run sees the same ones.
     *
     * @param seed  the run's {@code train.seed}
     * @param step  the step of the evaluation
     * @param count the number of batches ({@code train.eval_iters})
     * @return {@code count} batches from the training data
     */
    List<Batch> trainEstimateBatches(long seed, long step, int count);

    /**
     * The validation batches of the evaluation at {@code step}, {@code count} when the data draws them at
     * random (it may return a fixed set instead); empty when there is nothing to validate on.
     *
     * @param seed  the run's {@code train.seed}
     * @param step  the step of the evaluation
     * @param count the number of batches wanted ({@code train.eval_iters})
     * @return at most {@code count} held-out batches; empty when there is no validation data
     */
    List<Batch> valBatches(long seed, long step, int count);

    /**
     * How much a batch's mean loss weighs in an evaluation's average: 1 by default; the number of trained
     * targets where batches hold different numbers of them (masked instruction data).
     *
     * @param batch a batch of this data's evaluation
     * @return its weight, at least 0
     */
    default double weight(Batch batch) {
        return 1;
    }

    /** {@return the positions per batch (for the tokens/s figure): batch size times block size} */
    long tokensPerBatch();

    /**
     * The seed of the random batches of the evaluation at {@code step}: a function of the step alone, so an
     * evaluation never draws from the training stream and a resumed run evaluates on the same batches.
     *
     * @param seed the run's seed
     * @param step the step being evaluated
     * @return the evaluation's seed
     */
    static long evalSeed(long seed, long step) {
        return seed * 31 + step;
    }

    /**
     * The next {@code count} batches of a source.
     *
     * @param source where they come from
     * @param count  how many
     * @return the batches, in order
     */
    static List<Batch> take(BatchSource source, int count) {
        List<Batch> out = new java.util.ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(source.next());
        }
        return out;
    }
}
