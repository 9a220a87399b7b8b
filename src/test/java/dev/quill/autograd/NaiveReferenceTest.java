package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The ND4J-backed ops against {@link NaiveReference}, in double and in float. */
class NaiveReferenceTest {

    @Property(tries = 15)
    void matmulMatchesThreeLoops(@ForAll @IntRange(min = 1, max = 40) int m, @ForAll @IntRange(min = 1, max = 40) int k,
                                 @ForAll @IntRange(min = 1, max = 40) int n, @ForAll boolean ta, @ForAll boolean tb) {
        INDArray a = TestArrays.randn(m * 31L + k, m, k);
        INDArray b = TestArrays.randn(n * 17L + k, k, n);
        double[][] expected = NaiveReference.matmul(a.toDoubleMatrix(), b.toDoubleMatrix());
        // feed the transposed layouts so that op(a) @ op(b) is still a @ b
        Tensor ta2 = Tensor.of(ta ? a.transpose().dup('c') : a);
        Tensor tb2 = Tensor.of(tb ? b.transpose().dup('c') : b);
        double[][] got = ta2.matmul(tb2, ta, tb).value().toDoubleMatrix();
        double[][] gotFloat = Tensor.of(ta2.value().castTo(DataType.FLOAT)).matmul(Tensor.of(tb2.value().castTo(DataType.FLOAT)), ta, tb)
                .value().castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                assertThat(got[i][j]).isCloseTo(expected[i][j], within(1e-12 * k + 1e-12));
                assertThat(gotFloat[i][j]).isCloseTo(expected[i][j], within(1e-5 * Math.sqrt(k) + 1e-6));
            }
        }
    }

    @Property(tries = 15)
    void softmaxRowsMatchAndSumToOne(@ForAll @IntRange(min = 1, max = 8) int rows, @ForAll @IntRange(min = 1, max = 70) int v,
                                     @ForAll @IntRange(min = 0, max = 10_000) int seed) {
        INDArray x = TestArrays.randn(seed, rows, v).muli(5.0);
        double[][] expected = NaiveReference.softmax(x.toDoubleMatrix());
        double[][] got = Tensor.of(x).softmax().value().toDoubleMatrix();
        double[][] gotFloat = Tensor.of(x.castTo(DataType.FLOAT)).softmax().value().castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int i = 0; i < rows; i++) {
            double sum = 0;
            for (int j = 0; j < v; j++) {
                assertThat(got[i][j]).isCloseTo(expected[i][j], within(1e-14));
                assertThat(gotFloat[i][j]).isCloseTo(expected[i][j], within(1e-6));
                sum += gotFloat[i][j];
            }
            assertThat(sum).isCloseTo(1.0, within(1e-5));
        }
    }

    @Property(tries = 15)
    void crossEntropyAndItsGradientMatch(@ForAll @IntRange(min = 1, max = 12) int rows, @ForAll @IntRange(min = 2, max = 70) int v,
                                         @ForAll @IntRange(min = 0, max = 10_000) int seed) {
        INDArray x = TestArrays.randn(seed, rows, v).muli(3.0);
        INDArray targets = TestArrays.ints(seed + 7, v, rows);
        if (rows > 1) {
            targets.putScalar(rows - 1, -1);
        }
        int[] t = targets.toIntVector();
        Tensor logits = Tensor.leaf(x);
        Tensor loss = logits.crossEntropy(targets, -1);
        assertThat(loss.item()).isCloseTo(NaiveReference.crossEntropy(x.toDoubleMatrix(), t, -1), within(1e-12));
        loss.backward();
        double[][] expected = NaiveReference.crossEntropyGrad(x.toDoubleMatrix(), t, -1);
        double[][] got = logits.grad().toDoubleMatrix();
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < v; j++) {
                assertThat(got[i][j]).isCloseTo(expected[i][j], within(1e-14));
            }
        }
        Tensor floatLoss = Tensor.of(x.castTo(DataType.FLOAT)).crossEntropy(targets, -1);
        assertThat(floatLoss.dataType()).isEqualTo(DataType.FLOAT);
        assertThat(floatLoss.item()).isCloseTo(loss.item(), within(1e-5 * Math.max(1, loss.item())));
    }

    @Property(tries = 5)
    void allTargetsIgnoredGivesZeroLossAndZeroGradient(@ForAll @IntRange(min = 1, max = 5) int rows) {
        Tensor logits = Tensor.leaf(TestArrays.randn(rows, rows, 4));
        INDArray targets = Nd4j.valueArrayOf(new long[] {rows}, -1, DataType.INT32);
        Tensor loss = logits.crossEntropy(targets, -1);
        assertThat(loss.item()).isZero();
        loss.backward();
        assertThat(logits.grad().amaxNumber().doubleValue()).isZero();
    }
}
