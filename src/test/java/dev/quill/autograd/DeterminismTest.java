package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A seed fixes every draw: the same seed gives bit-identical losses, another seed different ones. */
class DeterminismTest {

    private static double[] train(long seed, int steps) {
        Rng rng = new Rng(seed);
        INDArray x = normal(rng, 32, 16);
        INDArray y = Nd4j.create(DataType.INT32, 32);
        for (int i = 0; i < 32; i++) {
            y.putScalar(i, rng.nextInt(5));
        }
        Tensor w1 = Tensor.parameter(normal(rng, 16, 32).muli(0.2), "w1");
        Tensor w2 = Tensor.parameter(normal(rng, 5, 32).muli(0.2), "w2");
        double[] losses = new double[steps];
        for (int s = 0; s < steps; s++) {
            try (MemoryScope scope = MemoryScope.open("determinism")) {
                Tensor loss = Tensor.of(x).matmul(w1).gelu().dropout(0.1, rng, true)
                        .matmul(w2, false, true).crossEntropy(y, -1);
                losses[s] = loss.item();
                loss.backward();
                for (Tensor p : new Tensor[] {w1, w2}) {
                    p.value().subi(p.grad().mul(0.1));
                    p.zeroGrad();
                }
            }
        }
        return losses;
    }

    private static INDArray normal(Rng rng, long... shape) {
        INDArray a = Nd4j.create(DataType.FLOAT, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rng.nextGaussian());
        }
        return a;
    }

    @Test
    void sameSeedSameLossesToTheLastBit() {
        double[] a = train(11, 15);
        double[] b = train(11, 15);
        assertThat(b).containsExactly(a);
        assertThat(a[14]).isLessThan(a[0]); // and it is really training
        assertThat(train(12, 15)).isNotEqualTo(a);
    }
}
