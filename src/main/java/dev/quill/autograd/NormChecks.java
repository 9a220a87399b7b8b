package dev.quill.autograd;

/** Shape checks shared by the normalization ops: gain and bias are vectors of the last axis's size. */
final class NormChecks {

    private NormChecks() {
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
}
