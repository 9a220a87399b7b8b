package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link Shapes#reshape} against ND4J's own reshape: the same shape and elements, and a view (a write
 * through it lands in the original), for plain arrays, dense views that start at an offset, and the strided
 * views it hands to ND4J.
 */
class ShapesReshapeTest {

    /** Splits n = a * b * c into a rank-1, 2 or 3 shape chosen by {@code how}. */
    private static long[] shapeOf(int a, int b, int c, int how) {
        return switch (how) {
            case 0 -> new long[] {(long) a * b * c};
            case 1 -> new long[] {a, (long) b * c};
            case 2 -> new long[] {(long) a * b, c};
            default -> new long[] {a, b, c};
        };
    }

    private static void assertSameAsNd4j(INDArray x, long... shape) {
        INDArray ours = Shapes.reshape(x, shape);
        INDArray theirs = x.reshape(shape);
        assertThat(ours.shape()).isEqualTo(theirs.shape());
        assertThat(ours.dup('c').data().asDouble()).containsExactly(theirs.dup('c').data().asDouble());
    }

    @Property(tries = 60)
    void plainArraysMatchNd4jAndStayViews(@ForAll @IntRange(min = 1, max = 5) int a,
                                          @ForAll @IntRange(min = 1, max = 5) int b,
                                          @ForAll @IntRange(min = 1, max = 5) int c,
                                          @ForAll @IntRange(min = 0, max = 3) int from,
                                          @ForAll @IntRange(min = 0, max = 3) int to) {
        INDArray x = TestArrays.randn(a * 100L + b * 10L + c, shapeOf(a, b, c, from));
        long[] target = shapeOf(c, b, a, to);
        assertSameAsNd4j(x, target);
        INDArray view = Shapes.reshape(x, target);
        view.putScalar(view.length() - 1, 42.0);                 // the last element in c order, both ways
        assertThat(x.getDouble(x.length() - 1)).isEqualTo(42.0);
    }

    @Test
    void minusOneTakesTheRestOfTheLength() {
        INDArray x = Nd4j.linspace(1, 24, 24).reshape(2, 3, 4);
        assertThat(Shapes.reshape(x, -1, 4).shape()).containsExactly(6, 4);
        assertThat(Shapes.reshape(x, 2, -1).shape()).containsExactly(2, 12);
        assertSameAsNd4j(x, -1, 4);
    }

    @Test
    void denseViewsAtAnOffsetKeepTheirOwnElements() {
        INDArray big = Nd4j.linspace(1, 60, 60).reshape(3, 4, 5);
        INDArray slice = big.get(NDArrayIndex.point(1), NDArrayIndex.all(), NDArrayIndex.all()); // (4, 5), from 21
        INDArray flat = Shapes.reshape(slice, 20);
        assertThat(flat.getDouble(0)).isEqualTo(21.0);
        assertThat(flat.getDouble(19)).isEqualTo(40.0);
        assertSameAsNd4j(slice, 2, 10);
        INDArray rows = big.reshape(12, 5).get(NDArrayIndex.interval(2, 5), NDArrayIndex.all()); // rows 2-4, from 11
        assertSameAsNd4j(rows, 15);
        assertThat(Shapes.reshape(rows, 15).getDouble(0)).isEqualTo(11.0);
        Shapes.reshape(slice, 20).putScalar(0, -1.0);
        assertThat(big.getDouble(1, 0, 0)).isEqualTo(-1.0);
    }

    @Test
    void stridedViewsGoToNd4j() {
        INDArray x = Nd4j.linspace(1, 24, 24).reshape(2, 3, 4);
        INDArray permuted = x.permute(0, 2, 1);                      // (2, 4, 3), not dense
        assertThat(Shapes.dense(permuted)).isFalse();
        assertSameAsNd4j(permuted, 8, 3);
        INDArray columns = Nd4j.linspace(1, 20, 20).reshape(4, 5).get(NDArrayIndex.all(), NDArrayIndex.interval(1, 3));
        assertSameAsNd4j(columns, 8);
    }

    @Test
    void aWrongLengthFailsAsNd4jDoes() {
        INDArray x = Nd4j.linspace(1, 24, 24).reshape(2, 3, 4);
        assertThatThrownBy(() -> Shapes.reshape(x, 5, 5)).isInstanceOf(RuntimeException.class)
                .hasMessageContaining("25");
    }

    @Test
    void aScalarShapeGoesToNd4j() {
        INDArray one = Nd4j.scalar(3.0f).reshape(1);
        INDArray s = Shapes.reshape(one);
        assertThat(s.rank()).isZero();
        assertThat(s.getDouble(0)).isEqualTo(3.0);
    }

    @Test
    void releasingAReshapedTensorLeavesItsInputAlone() {
        Tensor a = Tensor.leaf(Nd4j.createFromArray(new double[][] {{1, 2, 3}, {4, 5, 6}}));   // a plain array, not a view
        Tensor b = a.reshape(3, 2);
        b.release();
        assertThat(a.value().wasClosed()).isFalse();
        assertThat(a.value().getDouble(1, 2)).isEqualTo(6.0);
    }
}
