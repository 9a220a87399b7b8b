package dev.quill.model;

import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A trained vector per position, {@code wpe.weight} (block_size, C). It can only encode positions it was
 * trained on: asking beyond block_size is an error.
 */
public final class LearnedPositions extends Module implements PositionEncoding {

    private final Tensor weight;
    private final int blockSize;

    /**
     * @param blockSize the number of positions in the table
     * @param c         C, the row width
     * @param std       the standard deviation of the normal init (GPT-2: 0.02)
     * @param rng       draws the initial weights
     * @param type      the table's type
     */
    public LearnedPositions(int blockSize, int c, double std, Rng rng, DataType type) {
        this.blockSize = blockSize;
        this.weight = param("weight", Init.normal("weight", rng, std, type, blockSize, c));
    }

    @Override
    public Tensor forward(long start, int t) {
        if (start < 0 || start + t > blockSize) {
            throw new IllegalArgumentException("learned positions: positions [" + start + ", " + (start + t)
                    + ") are outside the table of block_size " + blockSize);
        }
        return weight.slice(0, start, start + t);        // (T, C)
    }
}
