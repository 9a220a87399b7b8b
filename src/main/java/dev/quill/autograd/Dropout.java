package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverted dropout (Srivastava et al., 2014): each element is kept with probability 1 - p and scaled
 * by 1 / (1 - p), or set to 0, so the expected value is unchanged and evaluation needs no rescaling.
 * y = x * m with m in {0, 1/(1-p)}; dL/dx = dL/dy * m. The mask is drawn from a {@link Rng}, so a seed
 * fixes it and a checkpoint that saves the generator's state resumes with the same masks.
 */
final class Dropout extends Function {

    private INDArray mask;

    static Tensor apply(Tensor x, double p, Rng rng, boolean training) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout: p must be in [0, 1), got " + p);
        }
        if (!training || p == 0) {
            return x;
        }
        INDArray v = x.value();
        Dropout f = new Dropout();
        f.mask = mask(rng, p, v.shape(), v.dataType());
        return f.output(v.mul(f.mask), x);
    }

    /** A mask of 0 (probability p) and 1/(1-p) (probability 1-p), drawn from {@code rng} in c order. */
    static INDArray mask(Rng rng, double p, long[] shape, org.nd4j.linalg.api.buffer.DataType type) {
        double[] m = new double[Math.toIntExact(Shapes.length(shape))];
        double scale = 1.0 / (1.0 - p);
        for (int i = 0; i < m.length; i++) {
            m[i] = rng.nextDouble() < p ? 0.0 : scale;
        }
        return Nd4j.create(m, shape, 'c').castTo(type);
    }

    @Override
    protected void backward(INDArray dy) {
        accumulateOwned(0, dy.mul(mask));
    }
}
