package dev.quill.train;

import dev.quill.config.BadInputException;
import dev.quill.data.Batch;
import dev.quill.data.BatchSource;
import dev.quill.data.RandomWindowSampler;
import dev.quill.data.Tokens;
import java.util.List;

/**
 * Pre-training data: batches of {@code batch_size} random windows of {@code block_size + 1} tokens, from the
 * train split for training, from either split for the estimates of an evaluation (from a generator seeded
 * by {@code seed * 31 + step}).
 */
public final class WindowData implements TrainData {

    private final Tokens train;
    private final Tokens val;
    private final int batchSize;
    private final int blockSize;

    /**
     * @param train     the training split's tokens; at least block_size + 1 of them
     * @param val       the validation split's tokens; may be shorter than a window (then evaluations report
     *                  no val loss)
     * @param batchSize windows per batch
     * @param blockSize tokens per window's inputs (each window holds one more, for the last target)
     * @throws BadInputException when {@code train} is shorter than block_size + 1 tokens
     */
    public WindowData(Tokens train, Tokens val, int batchSize, int blockSize) {
        if (train.size() < blockSize + 1L) {
            throw new BadInputException("training text has " + train.size() + " tokens, fewer than block_size + 1 = "
                    + (blockSize + 1));
        }
        this.train = train;
        this.val = val;
        this.batchSize = batchSize;
        this.blockSize = blockSize;
    }

    @Override
    public BatchSource trainBatches(long seed) {
        return RandomWindowSampler.create(train, batchSize, blockSize, seed);
    }

    @Override
    public BatchSource resumeTrainBatches(long seed, long state) {
        return RandomWindowSampler.restore(train, batchSize, blockSize, state);
    }

    @Override
    public List<Batch> trainEstimateBatches(long seed, long step, int count) {
        return draw(train, seed, step, count);
    }

    @Override
    public List<Batch> valBatches(long seed, long step, int count) {
        return val.size() > blockSize ? draw(val, seed, step, count) : List.of();
    }

    @Override
    public long tokensPerBatch() {
        return (long) batchSize * blockSize;
    }

    private List<Batch> draw(Tokens tokens, long seed, long step, int count) {
        return TrainData.take(RandomWindowSampler.create(tokens, batchSize, blockSize, TrainData.evalSeed(seed, step)), count);
    }
}
