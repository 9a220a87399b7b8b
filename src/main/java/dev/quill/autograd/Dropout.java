package dev.quill.autograd;

import java.nio.FloatBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout (Srivastava et al., 2014): each element is kept with probability 1 - p and scaled
 * by 1 / (1 - p), or set to 0, so the expected value is unchanged and evaluation needs no rescaling.
 * y = x * m with m in {0, 1/(1-p)}; dL/dx = dL/dy * m. The mask is drawn from a {@link Rng}, so a seed
 * fixes it and a checkpoint that saves the generator's state resumes with the same masks.
 */
final class Dropout extends Function {

    private INDArray mask;    // DOUBLE (gradient checks) or a GPU: the mask itself
    private long start = -1;  // FLOAT on the CPU: where the mask's draws begin; the backward draws it again
    private double p;

    static Tensor apply(Tensor x, double p, Rng rng, boolean training) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        }
        if (!training || p == 0) {
            return x;
        }
        INDArray v = x.value();
        Dropout f = new Dropout();
        if (v.dataType() == DataType.FLOAT && Kernels.java()) { // no mask kept: 4 bytes per element saved
            f.p = p;
            f.start = rng.reserve(Math.toIntExact(v.length()));
            return f.output(masked(v, f.start, p), x);
        }
        f.mask = mask(rng, p, v.shape(), v.dataType());
        return f.output(v.mul(f.mask), x);
    }

    /**
     * x * m for the FLOAT mask that {@link #mask} would draw from {@code start}, without making it: each
     * element is multiplied by its mask value as it is drawn (the same products as {@code x.mul(mask)}).
     */
    static INDArray masked(INDArray x, long start, double p) {
        INDArray in = Scratch.plain(x);
        INDArray y = Nd4j.createUninitialized(DataType.FLOAT, x.shape(), 'c');
        FloatBuffer from = Scratch.floats(in), out = Scratch.floats(y);
        float scale = (float) (1.0 / (1.0 - p));
        Parallel.range(Math.toIntExact(y.length()), PIECE, Scratch.CHUNK, (lo, hi) -> {
            float[] a = Scratch.get(0);
            for (int s = lo; s < hi; s += Scratch.CHUNK) {
                int m = Math.min(Scratch.CHUNK, hi - s);
                from.get(s, a, 0, m);
                for (int i = 0; i < m; i++) {
                    a[i] *= Rng.uniformAt(start, s + i) < p ? 0f : scale;
                }
                out.put(s, a, 0, m);
            }
        });
        return y;
    }

    /**
     * A mask of 0 (probability p) and 1/(1-p) (probability 1-p), drawn from {@code rng} in c order: element
     * i is 0 when the i-th {@code nextDouble()} is below p. FLOAT masks are written straight into the array
     * in pieces on Quill's threads, each piece drawing its own part of the stream ({@link Rng#reserve}), so
     * the mask is the same whatever the thread count, and the same as one draw after another.
     */
    static INDArray mask(Rng rng, double p, long[] shape, DataType type) {
        int n = Math.toIntExact(Shapes.length(shape));
        long start = rng.reserve(n);
        if (type != DataType.FLOAT || !Kernels.java()) {                // DOUBLE (gradient checks), a GPU
            double[] m = new double[n];
            double scale = 1.0 / (1.0 - p);
            for (int i = 0; i < n; i++) {
                m[i] = Rng.uniformAt(start, i) < p ? 0.0 : scale;
            }
            return Nd4j.create(m, shape, 'c').castTo(type);
        }
        INDArray mask = Nd4j.createUninitialized(DataType.FLOAT, shape, 'c');
        FloatBuffer out = Scratch.floats(mask);
        float scale = (float) (1.0 / (1.0 - p));
        Parallel.range(n, PIECE, Scratch.CHUNK, (from, to) -> {
            float[] a = Scratch.get(0);
            for (int s = from; s < to; s += Scratch.CHUNK) {
                int m = Math.min(Scratch.CHUNK, to - s);
                for (int i = 0; i < m; i++) {
                    a[i] = Rng.uniformAt(start, s + i) < p ? 0f : scale;
                }
                out.put(s, a, 0, m);
            }
        });
        return mask;
    }

    private static final int PIECE = 1 << 15; // elements worth handing to another thread

    @Override
    protected void backward(INDArray dy) {
        accumulateOwned(0, mask == null ? masked(dy, start, p) : dy.mul(mask));
    }

    /**
     * A mask that {@link #mask} would draw from {@code start} with probability {@code p}, not stored: its values are
     * drawn again where they are needed (the attention kernels, a head at a time).
     *
     * @param start where the mask's draws begin in the generator's stream ({@link Rng#reserve})
     * @param p     the probability of a 0
     */
    record Draws(long start, double p) {

        /**
         * Head h's t x t block of a c-order (B, nh, T, T) mask into m (rows tp apart): in row i only the whole
         * vectors of {@code lanes} over the keys j &lt;= i, which causal attention reads; zeros after them.
         */
        void fillHead(float[] m, int tp, int h, int t, int lanes) {
            long first = (long) h * t * t;
            for (int r = 0; r < t; r++) {
                int n = Math.min(t, (r + 1 + lanes - 1) / lanes * lanes);
                fill(m, r * tp, first + (long) r * t, n);
                java.util.Arrays.fill(m, r * tp + n, (r + 1) * tp, 0f);
            }
            java.util.Arrays.fill(m, t * tp, m.length, 0f);
        }

        /** Writes the mask's elements [first, first + n) (c order) into dst from index at. */
        void fill(float[] dst, int at, long first, int n) {
            float scale = (float) (1.0 / (1.0 - p));
            for (int j = 0; j < n; j++) {
                dst[at + j] = Rng.uniformAt(start, first + j) < p ? 0f : scale;
            }
        }
    }
}
