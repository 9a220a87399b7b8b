package dev.quill.model;

import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fixed sinusoidal positions (Vaswani et al., 2017, section 3.5), not trained:
 * <pre>
 *   PE(p, 2i)     = sin(p / 10000^(2i / C))
 *   PE(p, 2i + 1) = cos(p / 10000^(2i / C))
 * </pre>
 * Each pair of channels is a rotation at its own frequency, so any position has an encoding, including
 * positions past block_size (whether the model makes sense of them is another matter). Values are
 * computed in double and rounded once to the model's type; the first block_size rows are cached.
 */
public final class SinusoidalPositions implements PositionEncoding {

    private final int c;
    private final DataType type;
    private final INDArray cached; // (block_size, C)

    /**
     * @param blockSize the number of positions computed in advance (others are computed on demand)
     * @param c         C, even
     * @param type      the encodings' type
     */
    public SinusoidalPositions(int blockSize, int c, DataType type) {
        this.c = c;
        this.type = type;
        this.cached = MemoryScope.outside(() -> table(0, blockSize));
    }

    /**
     * @param p the position
     * @param j the channel, in [0, c)
     * @param c C
     * @return PE(p, j), the formula above, in double
     */
    public static double value(long p, int j, int c) {
        int i2 = j - (j % 2);                              // 2i
        double angle = p / Math.pow(10000.0, (double) i2 / c);
        return j % 2 == 0 ? Math.sin(angle) : Math.cos(angle);
    }

    private INDArray table(long start, int t) {
        double[] v = new double[t * c];
        for (int p = 0; p < t; p++) {
            for (int j = 0; j < c; j++) {
                v[p * c + j] = value(start + p, j, c);
            }
        }
        return Nd4j.create(v, new long[] {t, c}, 'c').castTo(type);
    }

    @Override
    public Tensor forward(long start, int t) {
        if (start >= 0 && start + t <= cached.size(0)) {
            return Tensor.of(cached).slice(0, start, start + t);   // (T, C)
        }
        return Tensor.of(table(start, t));
    }
}
