package dev.quill.data.sft;

import dev.quill.autograd.Rng;
import dev.quill.config.BadInputException;
import dev.quill.data.Batch;
import dev.quill.data.BatchSource;
import dev.quill.data.RandomWindowSampler;
import dev.quill.data.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * Endless fine-tuning batches: SFT rows in shuffled epochs, mixed with windows of plain pre-training text
 * so the model keeps its language while it learns the chat format.
 *
 * <p>The mixture, exact per batch. With {@code r} = mix_ratio and {@code B} rows a batch, batch k
 * (counting from 0) has
 * <pre>
 *   text(k) = round(r * B * (k + 1)) - round(r * B * k)      rows of plain text, first in the batch
 *   B - text(k)                                              SFT rows after them
 * </pre>
 * so after K batches exactly {@code round(r * B * K)} rows came from text (rounding with carry): B = 12,
 * r = 0.25 gives 3 text rows in every batch, r = 0.1 gives 1, 1, 2, 1, 1, 1, 1, 2, 1, 1 (12 in 10 batches). A text row is a random
 * window of {@code T + 1} tokens as {@link RandomWindowSampler} draws them, every target trained. Note
 * that the loss is a mean over trained targets, not rows: a text row trains all {@code T} positions, an
 * SFT row only its assistant tokens, so text weighs more in the loss than its share of rows.
 *
 * <p>SFT rows: epoch e visits every row once in an order shuffled by its own generator; the n-th SFT
 * row handed out is position {@code n mod N} of epoch {@code n / N}.
 *
 * <p>Randomness and resuming: batch k's text offsets come from a generator seeded with the k-th
 * output of a SplitMix64 stream of {@code seed}, and epoch e's order from the e-th output of another, so
 * any batch can be built from {@code (seed, k)} alone. {@link #state()} is k, the number of batches handed
 * out; {@link #restore} with the same rows, text, sizes, ratio and seed continues with the very batches
 * this source would have produced next.
 */
public final class SftBatches implements BatchSource {

    private static final Logger LOG = LoggerFactory.getLogger(SftBatches.class);
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L; // Rng's (SplitMix64's) state increment
    private static final long TEXT_STREAM = 0x7E47L;
    private static final long EPOCH_STREAM = 0xE90CL;

    private final List<SftRow> rows;
    private final Tokens text;
    private final int batchSize;
    private final int blockSize;
    private final double mixRatio;
    private final long seed;
    private long batches;
    private long cachedEpoch = -1;
    private int[] cachedOrder;

    private SftBatches(List<SftRow> rows, Tokens text, int batchSize, int blockSize, double mixRatio, long seed, long batches) {
        if (batchSize < 1 || blockSize < 1) {
            throw new BadInputException("batch_size and block_size must be positive, not " + batchSize + " and " + blockSize);
        }
        if (!(mixRatio >= 0 && mixRatio < 1)) {
            throw new BadInputException("sft.mix_ratio = " + mixRatio + ": must be in [0, 1)");
        }
        if (rows.isEmpty()) {
            throw new BadInputException("no SFT rows to train on");
        }
        for (SftRow row : rows) {
            if (row.blockSize() != blockSize) {
                throw new IllegalArgumentException("an SFT row has " + row.blockSize() + " positions, the batches " + blockSize);
            }
        }
        if (mixRatio > 0 && text == null) {
            throw new BadInputException("sft.mix_ratio = " + mixRatio + " needs plain training text; give the text or set mix_ratio to 0");
        }
        if (mixRatio > 0 && text.size() < blockSize + 1L) {
            throw new BadInputException("the text to mix in has " + text.size() + " tokens, fewer than block_size + 1 = "
                    + (blockSize + 1) + ": use more text or a smaller block_size");
        }
        if (batches < 0) {
            throw new IllegalArgumentException("state must be a batch count, not " + batches);
        }
        this.rows = List.copyOf(rows);
        this.text = text;
        this.batchSize = batchSize;
        this.blockSize = blockSize;
        this.mixRatio = mixRatio;
        this.seed = seed;
        this.batches = batches;
    }

    /**
     * A source that starts at batch 0.
     *
     * @param rows      the training rows, each of {@code blockSize} positions
     * @param text      the plain training tokens to mix in (may be null when {@code mixRatio} is 0)
     * @param batchSize B, rows per batch
     * @param blockSize T, positions per row
     * @param mixRatio  the share of rows from plain text, in [0, 1)
     * @param seed      fixes the text windows and the epoch orders
     * @return the source
     */
    public static SftBatches create(List<SftRow> rows, Tokens text, int batchSize, int blockSize, double mixRatio, long seed) {
        var batches = new SftBatches(rows, text, batchSize, blockSize, mixRatio, seed, 0);
        LOG.debug("sft batches: {} rows of {} positions, mix_ratio {}: {} text rows a batch on average ({} in the first), "
                        + "{} SFT rows, an epoch every {} batches", batchSize, blockSize, mixRatio, mixRatio * batchSize,
                batches.textRows(0), rows.size(), String.format(java.util.Locale.ROOT, "%.1f", rows.size() / ((1 - mixRatio) * batchSize)));
        return batches;
    }

    /**
     * A source that continues after {@code state} batches, as saved by {@link #state()}.
     *
     * @param rows      the same rows as the saved source
     * @param text      the same text
     * @param batchSize the same B
     * @param blockSize the same T
     * @param mixRatio  the same ratio
     * @param seed      the same seed
     * @param state     the saved {@link #state()}
     * @return the source
     */
    public static SftBatches restore(List<SftRow> rows, Tokens text, int batchSize, int blockSize, double mixRatio,
                                     long seed, long state) {
        return new SftBatches(rows, text, batchSize, blockSize, mixRatio, seed, state);
    }

    @Override
    public Batch next() {
        long k = batches;
        int fromText = textRows(k);
        long sftBefore = k * batchSize - textRowsBefore(k);
        int[] inputs = new int[batchSize * blockSize];
        int[] targets = new int[batchSize * blockSize];
        Rng rng = streamOutput(seed ^ TEXT_STREAM, k);
        int[] window = new int[blockSize + 1];
        for (int r = 0; r < fromText; r++) {
            text.read(rng.nextLong(text.size() - blockSize), window, 0, blockSize + 1);
            System.arraycopy(window, 0, inputs, r * blockSize, blockSize);       // tokens t .. t+T-1
            System.arraycopy(window, 1, targets, r * blockSize, blockSize);      // tokens t+1 .. t+T
        }
        for (int r = fromText; r < batchSize; r++) {
            SftRow row = sftRow(sftBefore + r - fromText);
            System.arraycopy(row.inputs(), 0, inputs, r * blockSize, blockSize);
            System.arraycopy(row.targets(), 0, targets, r * blockSize, blockSize);
        }
        batches++;
        return Batch.of(batchSize, blockSize, inputs, targets);
    }

    /** The n-th SFT row handed out: position n mod N of epoch n / N. */
    private SftRow sftRow(long n) {
        long epoch = n / rows.size();
        if (epoch != cachedEpoch) {
            cachedOrder = SftDataset.shuffled(rows.size(), streamOutput(seed ^ EPOCH_STREAM, epoch).nextLong());
            cachedEpoch = epoch;
        }
        return rows.get(cachedOrder[(int) (n % rows.size())]);
    }

    /**
     * A generator seeded with output {@code index} of the SplitMix64 stream {@code new Rng(seed)}: that
     * stream's state before its output {@code index} is {@code seed + index * gamma}, so one step jumps there.
     */
    static Rng streamOutput(long seed, long index) {
        return new Rng(new Rng(seed + index * GOLDEN_GAMMA).nextLong());
    }

    /**
     * Rows of batch {@code k} that are plain text: {@code round(r B (k+1)) - round(r B k)}.
     *
     * @param k the batch index, from 0
     * @return the number of text rows in that batch
     */
    public int textRows(long k) {
        return (int) (textRowsBefore(k + 1) - textRowsBefore(k));
    }

    /** Text rows in batches 0 .. k-1: round(r B k). */
    private long textRowsBefore(long k) {
        return Math.round(mixRatio * batchSize * k);
    }

    /** The position in the stream: the number of batches handed out. */
    @Override
    public long state() {
        return batches;
    }

    /**
     * The share of rows that came from plain text over the batches handed out so far (NaN before the
     * first): {@code round(r B K) / (B K)}, within {@code 1 / (2 B K)} of {@code mix_ratio}.
     *
     * @return the realized ratio
     */
    public double realizedMixRatio() {
        return batches == 0 ? Double.NaN : (double) textRowsBefore(batches) / (batches * (double) batchSize);
    }

    /**
     * Full passes over the SFT rows so far (fractional).
     *
     * @return SFT rows handed out divided by the number of rows
     */
    public double epochs() {
        return (batches * (double) batchSize - textRowsBefore(batches)) / rows.size();
    }

    /**
     * B, rows per batch.
     *
     * @return the batch size
     */
    public int batchSize() {
        return batchSize;
    }

    /**
     * T, positions per row.
     *
     * @return the block size
     */
    public int blockSize() {
        return blockSize;
    }

    /**
     * Targets of a batch that count in the loss (not -1): the weight of its mean loss when averaging
     * over batches.
     *
     * @param batch a batch
     * @return the number of trained targets
     */
    public static int trainedTargets(Batch batch) {
        return ChatTemplate.trainedCount(batch.targetIds());
    }
}
