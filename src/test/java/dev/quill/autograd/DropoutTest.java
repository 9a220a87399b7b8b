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
}
