package dev.quill.train;

import dev.quill.data.Batch;
import dev.quill.data.BatchSource;
import dev.quill.data.Tokens;
import dev.quill.data.sft.SftBatches;
import dev.quill.data.sft.SftDataset;
import java.util.List;

/**
 * Instruction-tuning data for the {@link Trainer}: training batches of padded conversations with
 * assistant-only targets, mixed with windows of plain pre-training text at {@code mix_ratio} of the rows
 * ({@link SftBatches}); evaluation on the held-out conversations, whose loss counts assistant tokens only.
 */
public final class SftData implements TrainData {

    private final SftDataset dataset;
    private final Tokens text;
    private final int batchSize;
    private final double mixRatio;

    /**
     * Nothing is checked here; {@link SftBatches} checks the mixture when the first stream is made.
     *
     * @param dataset   the conversations, split into training and validation rows of block_size positions
     * @param text      the pre-training tokens the mixture draws windows from; may be null at mix_ratio 0
     * @param batchSize rows per batch
     * @param mixRatio  the share of each training batch's rows that are plain-text windows, in [0, 1)
     */
    public SftData(SftDataset dataset, Tokens text, int batchSize, double mixRatio) {
        this.dataset = dataset;
        this.text = text;
        this.batchSize = batchSize;
        this.mixRatio = mixRatio;
    }

    @Override
    public BatchSource trainBatches(long seed) {
        return SftBatches.create(dataset.train(), text, batchSize, dataset.blockSize(), mixRatio, seed);
    }

    @Override
    public BatchSource resumeTrainBatches(long seed, long state) {
        return SftBatches.restore(dataset.train(), text, batchSize, dataset.blockSize(), mixRatio, seed, state);
    }

    /** Training batches (with the mixture) from a stream seeded by the step. */
    @Override
    public List<Batch> trainEstimateBatches(long seed, long step, int count) {
        return TrainData.take(SftBatches.create(dataset.train(), text, batchSize, dataset.blockSize(), mixRatio,
                TrainData.evalSeed(seed, step)), count);
    }

    /** The first {@code count} batches of held-out conversations: the same ones at every evaluation. */
    @Override
    public List<Batch> valBatches(long seed, long step, int count) {
        List<Batch> all = dataset.validationBatches(batchSize);
        return all.subList(0, Math.min(count, all.size()));
    }

    /** Batches average over their trained (assistant) targets, so a batch weighs by how many it has. */
    @Override
    public double weight(Batch batch) {
        return SftBatches.trainedTargets(batch);
    }

    @Override
    public long tokensPerBatch() {
        return (long) batchSize * dataset.blockSize();
    }
}
