package dev.quill.data;

import dev.quill.config.BadInputException;

import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Consecutive, non-overlapping windows for evaluation: window k covers tokens {@code [k*T, k*T + T]}
 * ({@code T + 1} tokens, stride {@code T}), so no token is predicted twice. There are
 * {@code floor((n - 1) / T)} windows; the incomplete tail is dropped. The same file always gives the same
 * windows, so an evaluation is exactly reproducible.
 */
public final class SequentialWindows implements Iterable<Batch> {

    private final Tokens tokens;
    private final int batchSize;
    private final int blockSize;

    /**
     * @param tokens    the split to cover, start to end
     * @param batchSize windows per batch; the last batch may hold fewer
     * @param blockSize T
     * @throws BadInputException if there are fewer than {@code T + 1} tokens
     */
    public SequentialWindows(Tokens tokens, int batchSize, int blockSize) {
        if (batchSize < 1 || blockSize < 1) {
            throw new BadInputException("batch_size and block_size must be positive, not " + batchSize + " and " + blockSize);
        }
        if (tokens.size() < blockSize + 1L) {
            throw new BadInputException("the evaluation text has " + tokens.size() + " tokens, fewer than block_size + 1 = "
                    + (blockSize + 1) + ": use more text or a smaller block_size");
        }
        this.tokens = tokens;
        this.batchSize = batchSize;
        this.blockSize = blockSize;
    }

    /** {@return the number of windows: {@code floor((n - 1) / T)}} */
    public long windowCount() {
        return (tokens.size() - 1) / blockSize;
    }

    /** {@return the number of batches: {@code ceil(windowCount / B)}} */
    public long batchCount() {
        return (windowCount() + batchSize - 1) / batchSize;
    }

    /** {@return the tokens that get predicted: {@code windowCount * T}} */
    public long predictedTokens() {
        return windowCount() * blockSize;
    }

    /** Batches in order; every window once. */
    @Override
    public Iterator<Batch> iterator() {
        return new Iterator<>() {
            private long nextWindow = 0;

            @Override
            public boolean hasNext() {
                return nextWindow < windowCount();
            }

            @Override
            public Batch next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                int b = (int) Math.min(batchSize, windowCount() - nextWindow);
                long[] offsets = new long[b];
                for (int i = 0; i < b; i++) {
                    offsets[i] = (nextWindow + i) * blockSize;
                }
                nextWindow += b;
                return RandomWindowSampler.windows(tokens, offsets, blockSize);
            }
        };
    }
}
