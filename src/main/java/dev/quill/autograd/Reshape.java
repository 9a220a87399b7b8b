package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;

/** y = x viewed with another shape of the same length (one size may be -1).  dL/dx = dL/dy reshaped back. */
final class Reshape extends Function {

    private long[] xShape;

    static Tensor apply(Tensor x, long... shape) {
        Reshape f = new Reshape();
        INDArray v = x.value();
        f.xShape = v.shape();
        long[] target = resolve(shape, v.length(), f.xShape);
        // ND4J's reshape: its view wraps the buffer, so releasing the output never frees x's memory
        return f.output(v.reshape('c', target), x);
    }

    private static long[] resolve(long[] shape, long length, long[] from) {
        long[] out = shape.clone();
        int unknown = -1;
        long known = 1;
        for (int i = 0; i < out.length; i++) {
            if (out[i] == -1 && unknown < 0) {
                unknown = i;
            } else if (out[i] < 0) {
                throw new IllegalArgumentException("reshape: bad size " + out[i] + " in " + java.util.Arrays.toString(shape));
            } else {
                known *= out[i];
            }
        }
        if (unknown >= 0 && known > 0 && length % known == 0) {
            out[unknown] = length / known;
            known *= out[unknown];
        }
        if (known != length) {
            throw new IllegalArgumentException("reshape: cannot view shape " + Shapes.str(from) + " ("
                    + length + " elements) as " + java.util.Arrays.toString(shape));
        }
        return out;
    }

    @Override
    protected void backward(INDArray dy) {
        accumulate(0, Shapes.reshape(dy, xShape));
    }
}
