package dev.quill.autograd;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * y = a + b, with NumPy broadcasting.
 * dL/da = sumTo(dL/dy, shape(a)), dL/db = sumTo(dL/dy, shape(b)): a broadcast input was used once per
 * copy, so its gradient sums the copies (see {@link Shapes#sumTo}).
 *
 * <p>Equal shapes in FLOAT on the CPU (the residual stream, and gradients added together) take
 * {@link #into}, a Java loop on Quill's threads, instead of a native call.
 */
final class Add extends Function {

    // elements worth handing to another thread (~15 us of adding)
    private static final int PIECE = 1 << 15;

    private long[] aShape;
    private long[] bShape;

    static Tensor apply(Tensor a, Tensor b) {
        Elementwise.check("add", a, b);
        Add f = new Add();
        f.aShape = a.shape();
        f.bShape = b.shape();
        INDArray av = a.value(), bv = b.value();
        INDArray y;
        if (Arrays.equals(f.aShape, f.bShape) && usable(av, bv)) {
            y = Nd4j.createUninitialized(DataType.FLOAT, f.aShape);
            into(y, av, bv);
        } else {
            y = av.add(bv);
        }
        return f.output(y, a, b);
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

    /** True when {@link #into} runs on these arrays: plain FLOAT arrays of one length, Java kernels on. */
    static boolean usable(INDArray... arrays) {
        return arrays[0].dataType() == DataType.FLOAT && HostBuffer.usable(arrays)
                && Arrays.stream(arrays).allMatch(x -> x.length() == arrays[0].length());
    }

    /**
     * out = a + b elementwise over arrays that {@link #usable} accepts ({@code out} may be {@code a} or
     * {@code b}), in chunks on Quill's threads.
     */
    static void into(INDArray out, INDArray a, INDArray b) {
        FloatBuffer as = Scratch.floats(a), bs = Scratch.floats(b), os = Scratch.floats(out);
        Parallel.range((int) a.length(), PIECE, Scratch.CHUNK, (from, to) -> {
            float[] x = Scratch.get(0), y = Scratch.get(1);
            for (int s = from; s < to; s += Scratch.CHUNK) {
                int m = Math.min(Scratch.CHUNK, to - s);
                as.get(s, x, 0, m);
                bs.get(s, y, 0, m);
                for (int i = 0; i < m; i++) {
                    x[i] += y[i];
                }
                os.put(s, x, 0, m);
            }
        });
    }
}
