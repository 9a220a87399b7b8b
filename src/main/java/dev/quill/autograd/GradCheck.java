package dev.quill.autograd;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Checks an analytic gradient against central finite differences, in double precision.
 *
 * <p>The scalar being differentiated is {@code L = sum(w * f(inputs))} with a fixed random {@code w}: a
 * plain {@code sum(f)} gives every output the same weight, which hides transposed or mis-broadcast
 * gradients. For each checked input element x:
 * <pre>
 *   numeric  = (L(x + eps) - L(x - eps)) / (2 eps)        error O(eps^2)
 *   error    = |analytic - numeric| / max(|analytic|, |numeric|, 1e-3)
 * </pre>
 * The floor of 1e-3 keeps a gradient that is truly zero from turning rounding noise into a large relative
 * error. With eps = 1e-5 in double, a correct backward gives errors around 1e-9 to 1e-7; a wrong one gives
 * errors of order 1.
 */
public final class GradCheck {

    /** Worst disagreement found: the error as defined above, where it was, and both values there. */
    public record Result(double maxError, String where, double analytic, double numeric, int checked) {
        @Override
        public String toString() {
            return String.format("max error %.3e at %s (analytic %.9g, numeric %.9g; %d elements checked)",
                    maxError, where, analytic, numeric, checked);
        }
    }

    private static final double EPS = 1e-5;
    private static final int MAX_ELEMENTS_PER_INPUT = 400;

    private GradCheck() {
    }

    /**
     * Compares the gradients of {@code f} at {@code inputs} (DOUBLE arrays, left unchanged) with finite
     * differences. {@code f} must be deterministic: the same inputs give the same output.
     *
     * @param f      the function under test, given one leaf tensor per input
     * @param seed   seeds the output weights {@code w} and the choice of elements checked
     * @param inputs the point at which to differentiate, DOUBLE arrays (perturbed, then restored)
     * @return the worst disagreement over every checked element (up to 400 per input)
     */
    public static Result check(Function<List<Tensor>, Tensor> f, long seed, INDArray... inputs) {
        List<Tensor> leaves = new ArrayList<>();
        for (INDArray in : inputs) {
            leaves.add(Tensor.leaf(in));
        }
        return check(() -> f.apply(leaves), leaves, seed);
    }

    /**
     * Compares the gradients of the leaves {@code wrt} (DOUBLE tensors that {@code f} reads, such as a
     * module's parameters and its input) with finite differences, perturbing each leaf's array in place
     * and restoring it. {@code f} must be deterministic.
     *
     * @param f    computes the output from the current values of the leaves
     * @param wrt  the leaves to differentiate with respect to: DOUBLE, requiring a gradient
     * @param seed seeds the output weights {@code w} and the choice of elements checked
     * @return the worst disagreement over every checked element (up to 400 per leaf)
     */
    public static Result check(Supplier<Tensor> f, List<Tensor> wrt, long seed) {
        return check(f, wrt, seed, MAX_ELEMENTS_PER_INPUT);
    }

    /**
     * As {@link #check(Supplier, List, long)}, checking at most {@code perTensor} random elements of each leaf.
     *
     * @param f         computes the output from the current values of the leaves
     * @param wrt       the leaves to differentiate with respect to: DOUBLE, requiring a gradient
     * @param seed      seeds the output weights {@code w} and the choice of elements checked
     * @param perTensor the most elements checked per leaf; a smaller leaf is checked whole
     * @return the worst disagreement over every checked element
     * @throws IllegalArgumentException when a leaf is not DOUBLE or does not require a gradient
     */
    public static Result check(Supplier<Tensor> f, List<Tensor> wrt, long seed, int perTensor) {
        for (Tensor t : wrt) {
            if (t.dataType() != DataType.DOUBLE || !t.isLeaf() || !t.requiresGrad()) {
                throw new IllegalArgumentException("GradCheck needs DOUBLE leaves that require a gradient, got " + t);
            }
            t.zeroGrad();
        }
        Rng rng = new Rng(seed);
        Tensor y = f.get();
        INDArray w = Nd4j.create(DataType.DOUBLE, y.shape());
        for (long i = 0; i < w.length(); i++) {
            w.putScalar(i, rng.nextGaussian());
        }
        y.mul(Tensor.of(w)).sum().backward();

        Result worst = new Result(0, "nowhere", 0, 0, 0);
        int checked = 0;
        for (int k = 0; k < wrt.size(); k++) {
            INDArray x = wrt.get(k).value();
            INDArray analytic = wrt.get(k).grad();
            String label = wrt.get(k).name() != null ? wrt.get(k).name() : "input " + k;
            long n = x.length();
            long count = Math.min(n, perTensor);
            for (long c = 0; c < count; c++) {
                long i = n <= perTensor ? c : (long) (rng.nextDouble() * n);
                double original = x.getDouble(i);
                x.putScalar(i, original + EPS);
                double plus = weighted(f, w);
                x.putScalar(i, original - EPS);
                double minus = weighted(f, w);
                x.putScalar(i, original);
                double numeric = (plus - minus) / (2 * EPS);
                double a = analytic == null ? 0.0 : analytic.getDouble(i);
                double err = Math.abs(a - numeric) / Math.max(Math.max(Math.abs(a), Math.abs(numeric)), 1e-3);
                checked++;
                if (err > worst.maxError() || Double.isNaN(err)) {
                    worst = new Result(err, label + " element " + i, a, numeric, 0);
                }
            }
        }
        return new Result(worst.maxError(), worst.where(), worst.analytic(), worst.numeric(), checked);
    }

    private static double weighted(Supplier<Tensor> f, INDArray w) {
        try (GradMode g = GradMode.off()) {
            return f.get().value().mul(w).sumNumber().doubleValue();
        }
    }
}
