package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The dropout mask is the same function of the generator on every path and thread count. */
class DropoutTest {

    @Test
    void floatMaskMadeInPiecesEqualsOneDrawAfterAnother() {
        // 3 x 50,001 elements: several pieces for Quill's threads, and a last chunk that is not full
        long[] shape = {3, 50_001};
        double p = 0.2;
        Rng rng = new Rng(7);
        INDArray mask = Dropout.mask(rng, p, shape, DataType.FLOAT);
        Rng reference = new Rng(7);
        float scale = (float) (1.0 / (1.0 - p));
        float[] m = mask.data().asFloat();
        int dropped = 0;
        for (int i = 0; i < m.length; i++) {
            float expected = reference.nextDouble() < p ? 0f : scale;   // the rule, draw by draw in c order
            if (m[i] != expected) {
                throw new AssertionError("element " + i + ": " + m[i] + " != " + expected);
            }
            dropped += m[i] == 0f ? 1 : 0;
        }
        assertThat(rng.state()).as("the generator moved past every draw").isEqualTo(reference.state());
        assertThat(dropped / (double) m.length).isBetween(0.19, 0.21);
    }

    @Test
    void doubleMaskFollowsTheSameRule() {
        Rng rng = new Rng(11);
        double[] m = Dropout.mask(rng, 0.5, new long[] {4, 5}, DataType.DOUBLE).data().asDouble();
        Rng reference = new Rng(11);
        for (int i = 0; i < m.length; i++) {
            assertThat(m[i]).isEqualTo(reference.nextDouble() < 0.5 ? 0.0 : 2.0);
        }
    }

    @Test
    void floatDropoutWithoutAStoredMaskGivesTheProductsOfTheMask() {
        // 3 x 50,001: several pieces and a partial chunk; the values include negatives (exact signed zeros too)
        INDArray x0 = org.nd4j.linalg.factory.Nd4j.linspace(-3, 4, 150_003, DataType.FLOAT).reshape(3, 50_001);
        INDArray dy = org.nd4j.linalg.factory.Nd4j.linspace(2, -1, 150_003, DataType.FLOAT).reshape(3, 50_001);
        INDArray mask = Dropout.mask(new Rng(5), 0.3, x0.shape(), DataType.FLOAT);
        Rng rng = new Rng(5);
        Tensor x = Tensor.leaf(x0.dup());
        Tensor y = x.dropout(0.3, rng, true);
        assertThat(y.value()).isEqualTo(x0.mul(mask));
        assertThat(rng.state()).as("the generator moved past every draw").isEqualTo(stateAfter(5, 150_003));
        y.backward(dy);
        assertThat(x.grad()).isEqualTo(dy.mul(mask));
    }

    private static long stateAfter(long seed, int draws) {
        Rng r = new Rng(seed);
        r.reserve(draws);
        return r.state();
    }
}
