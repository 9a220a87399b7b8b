package dev.quill.autograd;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Random DOUBLE arrays for the checks, from the project's own seeded generator. */
final class TestArrays {

    private TestArrays() {
    }

    static INDArray randn(long seed, long... shape) {
        Rng rng = new Rng(seed);
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rng.nextGaussian());
        }
        return a;
    }

    /** Uniform in [lo, hi): inputs for log, sqrt and division that must stay away from 0. */
    static INDArray uniform(long seed, double lo, double hi, long... shape) {
        Rng rng = new Rng(seed);
        INDArray a = Nd4j.create(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, lo + (hi - lo) * rng.nextDouble());
        }
        return a;
    }

    static INDArray ints(long seed, int bound, long... shape) {
        Rng rng = new Rng(seed);
        INDArray a = Nd4j.create(DataType.INT32, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rng.nextInt(bound));
        }
        return a;
    }
}
