package dev.quill.autograd;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shape checks and small helpers shared by the normalization ops and their kernels. */
final class NormChecks {

    /**
     * What a norm kernel's backward hands its op to accumulate.
     *
     * @param dx dL/dx, x's shape, owned by the caller; null when x wants no gradient
     * @param dg dL/dg, one value per channel
     * @param db dL/db, one value per channel (unused without a bias)
     */
    record Grads(INDArray dx, double[] dg, double[] db) {
    }

    private NormChecks() {
    }

    /** Gain and bias are vectors of the last axis's size, of the input's type. */
    /** Adds a norm kernel's gradients into its op's inputs: x, the gain, and the bias when there is one. */
    static void accumulate(Function op, Grads d) {
        if (d.dx() != null) {
            op.accumulateOwned(0, d.dx());
        }
        if (op.needsGrad(1)) {
            op.accumulateValues(1, d.dg());
        }
        if (op.inputs().length > 2 && op.needsGrad(2)) {
            op.accumulateValues(2, d.db());
        }
    }

    static void check(String op, Tensor x, Tensor gain, Tensor bias) {
        long c = x.size(-1);
        for (Tensor p : bias == null ? new Tensor[] {gain} : new Tensor[] {gain, bias}) {
            if (p.rank() != 1 || p.size(0) != c) {
                throw new IllegalArgumentException(op + ": gain and bias must have shape (" + c + ",) for input "
                        + Shapes.str(x.shape()) + ", got " + Shapes.str(p.shape()));
            }
            if (p.dataType() != x.dataType()) {
                throw new IllegalArgumentException(op + ": data types differ: " + x.dataType() + " and " + p.dataType());
            }
        }
    }

    /** A small vector's values on the Java heap (gains and biases are read once per row). */
    static double[] doubles(INDArray v) {
        HostBuffer b = HostBuffer.of(v);
        double[] out = new double[(int) v.length()];
        for (int i = 0; i < out.length; i++) {
            out[i] = b.get(i);
        }
        return out;
    }

    /** A vector shaped and typed like {@code like}, holding {@code values}. */
    static INDArray array(double[] values, INDArray like) {
        INDArray a = Nd4j.createUninitialized(like.dataType(), like.shape());
        HostBuffer b = HostBuffer.of(a);
        for (int i = 0; i < values.length; i++) {
            b.set(i, values[i]);
        }
        return a;
    }
}
