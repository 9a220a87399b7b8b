package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link AddKernel} against ND4J's own add and sum: the sums bit for bit (one float addition per element on
 * both paths), the row sums within float rounding and against sums in double by hand, and the ND4J path
 * where the kernel does not take the arrays.
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

    /** The shape of a's last {@code keep} axes. */
    private static long[] last(long[] shape, int keep) {
        return java.util.Arrays.copyOfRange(shape, shape.length - keep, shape.length);
    }

    @Property(tries = 30)
    void sumsEqualNd4jsBitForBit(@ForAll @IntRange(min = 1, max = 4) int b, @ForAll @IntRange(min = 1, max = 9) int t,
                                 @ForAll @IntRange(min = 1, max = 3000) int c, @ForAll @IntRange(min = 0, max = 3) int keep) {
        long[] shape = {b, t, c};
        INDArray a = floats(1, shape);
        INDArray y = floats(2, keep == 0 ? shape : last(shape, keep));       // keep 0: the same shape
        assertThat(AddKernel.takes(a, y)).isEqualTo(keep == 0 || keep == 3 || y.length() >= 64);
        assertThat(AddKernel.add(a, y)).isEqualTo(a.add(y));
        assertThat(AddKernel.add(y, a)).isEqualTo(a.add(y));                 // the repeated one first
        INDArray expected = a.add(y);
        assertThat(AddKernel.addi(a, y)).isSameAs(a).isEqualTo(expected);
    }

    @Test
    void largeSumsSplitOverThreadsAndAcrossRepeatsEqualNd4js() {
        // 3 * 7 * 5001 elements: several pieces per thread, and chunks that end where the repeated array restarts
        INDArray a = floats(3, 3, 7, 5001);
        for (INDArray y : List.of(floats(4, 3, 7, 5001), floats(5, 7, 5001), floats(6, 5001), floats(7, 1))) {
            assertThat(AddKernel.add(a, y)).as("%s", java.util.Arrays.toString(y.shape())).isEqualTo(a.add(y));
        }
    }

    @Property(tries = 20)
    void rowSumsMatchNd4jAndDoubleSums(@ForAll @IntRange(min = 1, max = 40) int rows,
                                      @ForAll @IntRange(min = 1, max = 5000) int m) {
        INDArray g = floats(8, rows, 1, m);
        long[] shape = {1, m};
        INDArray kernel = AddKernel.sumLeading(g, shape);
        INDArray nd4j = g.sum(true, 0).reshape(shape);
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
    void sumToTakesTheKernelForNewLeadingAxesOnlyAndAgreesWithNd4j() {
        INDArray g = floats(9, 12, 64, 128);                 // (B, T, C) gradient of positions (T, C) added to each
        INDArray viaKernel = Shapes.sumTo(g, new long[] {64, 128});
        Kernels.force(false);
        INDArray viaNd4j = Shapes.sumTo(g, new long[] {64, 128});
        INDArray stretched = Shapes.sumTo(g, new long[] {12, 1, 128});    // a stretched axis: ND4J's sum
        Kernels.force(null);
        assertThat(viaKernel.shape()).containsExactly(64, 128);
        assertThat(viaKernel.equalsWithEps(viaNd4j, 1e-5)).isTrue();
        assertThat(Shapes.sumTo(g, new long[] {12, 1, 128}).equalsWithEps(stretched, 1e-6)).isTrue();
    }

    @Test
    void arraysTheKernelDoesNotTakeStillAddByNd4j() {
        INDArray a = floats(10, 4, 6);
        INDArray column = floats(11, 4, 1);                  // broadcast along a stretched axis
        INDArray bias = floats(14, 6);                       // repeats, but too short to be worth it
        assertThat(AddKernel.takes(a, bias)).isFalse();
        assertThat(AddKernel.add(a, bias)).isEqualTo(a.add(bias));
        INDArray view = floats(12, 6, 4).transpose();         // not plain
        INDArray doubles = a.castTo(DataType.DOUBLE);
        assertThat(AddKernel.takes(a, column)).isFalse();
        assertThat(AddKernel.takes(a, view)).isFalse();
        assertThat(AddKernel.takes(doubles, doubles)).isFalse();
        assertThat(AddKernel.add(a, column)).isEqualTo(a.add(column));
        assertThat(AddKernel.add(a, view)).isEqualTo(a.add(view));
        assertThat(AddKernel.add(doubles, doubles)).isEqualTo(doubles.add(doubles));
        Kernels.force(false);
        assertThat(AddKernel.takes(a, a)).isFalse();
    }

    @Test
    void additionAndItsGradientAgreeOnBothPaths() {
        INDArray x = floats(13, 3, 5, 8), pos = floats(14, 5, 8), w = floats(15, 3, 5, 8);
        float[][] java = addAndBackward(x, pos, w);
        Kernels.force(false);
        float[][] nd4j = addAndBackward(x, pos, w);
        for (int i = 0; i < java.length; i++) {
            assertThat(java[i]).containsExactly(nd4j[i], org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    /** y = x + pos (pos repeated over the batch), loss = sum(y * w) + sum(y * w): y's gradient accumulates twice. */
    private static float[][] addAndBackward(INDArray x, INDArray pos, INDArray w) {
        Tensor tx = Tensor.parameter(x.dup(), "x"), tp = Tensor.parameter(pos.dup(), "pos");
        Tensor weights = Tensor.of(w);
        Tensor y = tx.add(tp);
        Tensor loss = y.mul(weights).sum().add(y.mul(weights).sum());
        loss.backward();
        return new float[][] {y.value().data().asFloat(), tx.grad().data().asFloat(), tp.grad().data().asFloat()};
    }
}
