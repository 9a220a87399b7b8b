package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link AddKernel} against ND4J's own add and sum: the sums bit for bit (one float addition per element on
 * both paths), the row sums against sums in double by hand and ND4J's within float rounding, and the ND4J
 * path where the kernel does not take the arrays.
 */
class AddKernelTest {

    @AfterEach
    void restore() {
        Kernels.force(null);
    }

    private static INDArray floats(long seed, long... shape) {
        Rng rng = new Rng(seed);
        float[] v = new float[(int) Shapes.length(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) rng.nextGaussian();
        }
        return Nd4j.createFromArray(v).reshape(shape);
    }

    /** The shape of the last {@code keep} axes. */
    private static long[] last(long[] shape, int keep) {
        return Arrays.copyOfRange(shape, shape.length - keep, shape.length);
    }

    /** Both arrays' shapes equal and every float the same bits. */
    private static void assertSameBits(INDArray actual, INDArray expected) {
        assertThat(actual.shape()).isEqualTo(expected.shape());
        float[] a = actual.data().asFloat(), e = expected.data().asFloat();
        assertThat(a).hasSameSizeAs(e);
        for (int i = 0; i < a.length; i++) {
            assertThat(Float.floatToRawIntBits(a[i])).as("element %d: %s against %s", i, a[i], e[i])
                    .isEqualTo(Float.floatToRawIntBits(e[i]));
        }
    }

    @Property(tries = 30)
    void sumsEqualNd4jsBitForBit(@ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 9) int t,
                                 @ForAll @IntRange(min = 1, max = 3000) int c, @ForAll @IntRange(min = 0, max = 3) int keep) {
        Kernels.force(true);
        long[] shape = {b, t, c};
        INDArray a = floats(1, shape);
        INDArray y = floats(2, keep == 0 ? shape : last(shape, keep));       // keep 0: the same shape
        assertThat(AddKernel.takes(a, y)).isEqualTo(keep == 0 || keep == 3 || y.length() >= 64);
        INDArray expected = a.add(y);                                       // ND4J
        assertSameBits(AddKernel.add(a, y), expected);
        assertSameBits(AddKernel.add(y, a), expected);                     // the repeated one first
        assertThat(AddKernel.addi(a, y)).isSameAs(a);
        assertSameBits(a, expected);
    }

    @Test
    void longSumsCutIntoPiecesAndAcrossRepeatsEqualNd4js() {
        Kernels.force(true);
        // 3 * 7 * 5001 = 105,021 elements: three pieces on two threads, and chunks that end where the repeated
        // array starts again (5001 and 35007 are not multiples of the 2048-float chunk)
        INDArray a = floats(3, 3, 7, 5001);
        for (INDArray y : List.of(floats(4, 3, 7, 5001), floats(5, 7, 5001), floats(6, 5001))) {
            assertThat(AddKernel.takes(a, y)).isTrue();
            assertSameBits(AddKernel.add(a, y), a.add(y));
        }
    }

    @Property(tries = 20)
    void rowSumsMatchSumsInDoubleAndNd4js(@ForAll @IntRange(min = 1, max = 40) int rows,
                                         @ForAll @IntRange(min = 1, max = 5000) int m) {
        INDArray g = floats(8, rows, 1, m);
        long[] shape = {1, m};
        INDArray kernel = AddKernel.sumRows(g, shape);
        INDArray nd4j = g.sum(true, 0).reshape(shape);
        assertThat(kernel.shape()).containsExactly(1, m);
        for (int j = 0; j < m; j++) {
            double byHand = 0;
            for (int r = 0; r < rows; r++) {
                byHand += g.getDouble(r, 0, j);
            }
            assertThat(kernel.getDouble(0, j)).isCloseTo(byHand, within(1e-5 * rows));
            assertThat(kernel.getDouble(0, j)).isCloseTo(nd4j.getDouble(0, j), within(1e-5 * rows));
        }
    }

    @Test
    void sumToSumsNewLeadingAxesHereAndStretchedAxesByNd4j() {
        Kernels.force(true);
        INDArray g = floats(9, 12, 64, 128);             // (B, T, C): the gradient of positions (T, C) added to each
        long[] positions = {64, 128}, stretched = {12, 1, 128}, both = {1, 128};
        assertThat(AddKernel.takesRows(g, positions)).isTrue();
        assertThat(AddKernel.takesRows(g, stretched)).isFalse();
        INDArray summed = Shapes.sumTo(g, positions);
        assertThat(summed.shape()).containsExactly(64, 128);
        for (int j : new int[] {0, 129, 8191}) {
            int t = j / 128, c = j % 128;
            double byHand = 0;
            for (int b = 0; b < 12; b++) {
                byHand += g.getDouble(b, t, c);
            }
            assertThat(summed.getDouble(t, c)).as("element %d", j).isCloseTo(byHand, within(1e-4));
        }
        Kernels.force(false);
        INDArray nd4j = Shapes.sumTo(g, positions);
        Kernels.force(true);
        assertThat(summed.equalsWithEps(nd4j, 1e-5)).isTrue();
        // a created axis and a stretched one together: ND4J's sum, the same either way
        INDArray mixed = Shapes.sumTo(g, both);
        assertThat(mixed.shape()).containsExactly(1, 128);
        assertThat(mixed.getDouble(0, 5)).isCloseTo(g.get(
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.point(5)).sumNumber().doubleValue(), within(1e-3));
    }

    @Test
    void arraysTheKernelDoesNotTakeStillAddByNd4j() {
        Kernels.force(true);
        INDArray a = floats(10, 4, 6);
        INDArray column = floats(11, 4, 1);                  // broadcast along a stretched axis
        INDArray bias = floats(14, 6);                       // repeats, but too short to be worth it
        INDArray view = floats(12, 6, 4).transpose();        // not plain
        INDArray doubles = a.castTo(DataType.DOUBLE);
        INDArray empty = Nd4j.create(DataType.FLOAT, 0, 6);
        for (INDArray y : List.of(column, bias, view)) {
            assertThat(AddKernel.takes(a, y)).isFalse();
            assertSameBits(AddKernel.add(a, y), a.add(y));
        }
        assertThat(AddKernel.takes(doubles, doubles)).isFalse();
        assertThat(AddKernel.add(doubles, doubles)).isEqualTo(doubles.mul(2));
        assertThat(AddKernel.takes(empty, empty)).isFalse();
        assertThat(AddKernel.takesRows(Nd4j.create(DataType.FLOAT, 0, 4, 64), new long[] {4, 64})).isFalse();
        Kernels.force(false);
        assertThat(AddKernel.takes(a, a)).isFalse();
    }

    @Test
    void additionAndItsGradientAgreeOnBothPathsInsideAStepsScope() {
        // positions (5, 16) = 80 values repeat over the batch: the forward's repeated sum and the backward's row
        // sum both run here; y's gradient accumulates twice, and the parameters' gradients live outside the scope
        INDArray x = floats(13, 3, 5, 16), pos = floats(14, 5, 16), w = floats(15, 3, 5, 16);
        Kernels.force(true);
        float[][] java = addAndBackward(x, pos, w);
        Kernels.force(false);
        float[][] nd4j = addAndBackward(x, pos, w);
        assertThat(java[0]).as("forward").containsExactly(nd4j[0]);
        for (int i = 1; i < java.length; i++) {
            assertThat(java[i]).containsExactly(nd4j[i], Offset.offset(1e-5f));
        }
    }

    /** y = x + pos, loss = sum(y * w) + sum(y * w), run in a memory scope; returns y, dL/dx and dL/dpos. */
    private static float[][] addAndBackward(INDArray x, INDArray pos, INDArray w) {
        Tensor tx = Tensor.parameter(x.dup(), "x"), tp = Tensor.parameter(pos.dup(), "pos");
        float[] y;
        try (MemoryScope scope = MemoryScope.open("add-kernel-test")) {
            Tensor weights = Tensor.of(w);
            Tensor sum = tx.add(tp);
            y = sum.value().data().asFloat();
            sum.mul(weights).sum().add(sum.mul(weights).sum()).backward();
        }
        return new float[][] {y, tx.grad().data().asFloat(), tp.grad().data().asFloat()};
    }
}
