package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * y = a + b, with NumPy broadcasting.
 * dL/da = sumTo(dL/dy, shape(a)), dL/db = sumTo(dL/dy, shape(b)): a broadcast input was used once per
 * copy, so its gradient sums the copies (see {@link Shapes#sumTo}).
 * On the CPU, FLOAT sums (here, in {@link Shapes#sumTo} and in every gradient accumulation) run in
 * {@link AddKernel}'s Java loops over Quill's threads.
 */
final class Add extends Function {

    private long[] aShape;
    private long[] bShape;

    static Tensor apply(Tensor a, Tensor b) {
        Elementwise.check("add", a, b);
        Add f = new Add();
        f.aShape = a.shape();
        f.bShape = b.shape();
        return f.output(AddKernel.add(a.value(), b.value()), a, b);
    }

    @Override
    protected void backward(INDArray dy) {
        if (needsGrad(0)) {
            accumulate(0, Shapes.sumTo(dy, aShape));
        }
        if (needsGrad(1)) {
            accumulate(1, Shapes.sumTo(dy, bShape));
        }
    }
}
