package dev.quill.model;

import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Parameter creation: GPT-2's initialization, drawn from the model's {@link Rng} so a seed fixes it.
 * Inside {@link #withoutDraws} the random tensors are left uninitialised instead, for a model whose every
 * weight is about to be read from a file: drawing 124M normals through a double array costs seconds and a
 * second copy of the weights on the Java heap.
 */
final class Init {

    private static final ThreadLocal<Boolean> SKIP_DRAWS = ThreadLocal.withInitial(() -> false);

    private Init() {
    }

    /**
     * Builds something (a model) with the random parameters left uninitialised and the {@link Rng} untouched;
     * the caller must overwrite every such parameter before use. Norm gains and biases are still ones and zeros.
     */
    static <T> T withoutDraws(java.util.function.Supplier<T> make) {
        boolean before = SKIP_DRAWS.get();
        SKIP_DRAWS.set(true);
        try {
            return make.get();
        } finally {
            SKIP_DRAWS.set(before);
        }
    }

    private static Tensor undrawn(String name, DataType type, long... shape) {
        return Tensor.parameter(MemoryScope.outside(() -> Nd4j.createUninitialized(type, shape, 'c')), name);
    }

    /** A parameter with entries drawn from normal(0, std). */
    static Tensor normal(String name, Rng rng, double std, DataType type, long... shape) {
        if (SKIP_DRAWS.get()) {
            return undrawn(name, type, shape);
        }
        double[] values = new double[Math.toIntExact(count(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = std * rng.nextGaussian();
        }
        return Tensor.parameter(MemoryScope.outside(() -> Nd4j.create(values, shape, 'c').castTo(type)), name);
    }

    /** A parameter with entries drawn from uniform(-bound, bound). */
    static Tensor uniform(String name, Rng rng, double bound, DataType type, long... shape) {
        if (SKIP_DRAWS.get()) {
            return undrawn(name, type, shape);
        }
        double[] values = new double[Math.toIntExact(count(shape))];
        for (int i = 0; i < values.length; i++) {
            values[i] = bound * (2 * rng.nextDouble() - 1);
        }
        return Tensor.parameter(MemoryScope.outside(() -> Nd4j.create(values, shape, 'c').castTo(type)), name);
    }

    private static long count(long... shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    /** A parameter filled with one value (ones for norm gains, zeros for biases). */
    static Tensor constant(String name, double value, DataType type, long... shape) {
        INDArray a = MemoryScope.outside(() -> Nd4j.valueArrayOf(shape, value, type));
        return Tensor.parameter(a, name);
    }
}
