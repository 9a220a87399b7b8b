package dev.quill.data;

import dev.quill.autograd.Rng;

import dev.quill.config.BadInputException;

/**
 * Training batches as in nanoGPT's {@code get_batch}: {@code B} windows of {@code T + 1} consecutive
 * tokens at offsets drawn uniformly from {@code [0, n - T - 1]}; inputs are each window's first
 * {@code T} tokens and targets its last {@code T}.
 *
 * <p>Deterministic: the offsets come from a {@link dev.quill.autograd.Rng} seeded at construction. {@link #state()}
 * is that generator's state; a sampler built with {@link #restore} on the same tokens continues with
 * exactly the batches this one would have produced next.
 */
public final class RandomWindowSampler implements BatchSource {

    private final Tokens tokens;
    private final int batchSize;
    private final int blockSize;
    private final Rng random;

    private RandomWindowSampler(Tokens tokens, int batchSize, int blockSize, Rng random) {
        if (batchSize < 1 || blockSize < 1) {
            throw new BadInputException("batch_size and block_size must be positive, not " + batchSize + " and " + blockSize);
        }
        if (tokens.size() < blockSize + 1L) {
            throw new BadInputException("the corpus has " + tokens.size() + " tokens, fewer than block_size + 1 = "
                    + (blockSize + 1) + ": use more text or a smaller block_size");
        }
        this.tokens = tokens;
        this.batchSize = batchSize;
        this.blockSize = blockSize;
        this.random = random;
    }

    /**
     * @param tokens    the split to sample from; more than {@code blockSize} tokens
     * @param batchSize B, windows per batch
     * @param blockSize T, input tokens per window (each window reads T + 1 tokens, for the targets)
     * @param seed      fixes the window offsets
     * @return a sampler at the start of its stream
     */
    public static RandomWindowSampler create(Tokens tokens, int batchSize, int blockSize, long seed) {
        return new RandomWindowSampler(tokens, batchSize, blockSize, new Rng(seed));
    }

    /**
     * @param tokens    the split the saved sampler read
     * @param batchSize B, as before
     * @param blockSize T, as before
     * @param state     a value {@link #state()} returned
     * @return a sampler that continues from the saved position
     */
    public static RandomWindowSampler restore(Tokens tokens, int batchSize, int blockSize, long state) {
        return new RandomWindowSampler(tokens, batchSize, blockSize, new Rng(state));
    }

    /** {@return the number of distinct window offsets: {@code n - T}} */
    public long offsetCount() {
        return tokens.size() - blockSize;
    }

    /** The next {@code B} window offsets, each in {@code [0, n - T - 1]} (advances the state). */
    long[] nextOffsets() {
        long[] offsets = new long[batchSize];
        for (int b = 0; b < batchSize; b++) {
            offsets[b] = random.nextLong(offsetCount());
        }
        return offsets;
    }

    @Override
    public Batch next() {
        return windows(tokens, nextOffsets(), blockSize);
    }

    @Override
    public long state() {
        return random.state();
    }

    /** {@return B, the number of windows per batch} */
    public int batchSize() {
        return batchSize;
    }

    /** {@return T, the tokens per window, not counting the extra target} */
    public int blockSize() {
        return blockSize;
    }

    /** The batch of windows {@code [offset, offset + T]} for each offset. */
    static Batch windows(Tokens tokens, long[] offsets, int blockSize) {
        int b = offsets.length;
        int[] inputs = new int[b * blockSize];
        int[] targets = new int[b * blockSize];
        int[] window = new int[blockSize + 1];
        for (int row = 0; row < b; row++) {
            tokens.read(offsets[row], window, 0, blockSize + 1);
            System.arraycopy(window, 0, inputs, row * blockSize, blockSize);      // tokens t .. t+T-1
            System.arraycopy(window, 1, targets, row * blockSize, blockSize);     // tokens t+1 .. t+T
        }
        return Batch.of(b, blockSize, inputs, targets);
    }
}
