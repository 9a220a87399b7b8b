package dev.quill.train;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.autograd.Kernels;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The Java update cuts every FLOAT parameter into blocks that Quill's threads share: a parameter longer than
 * a block (here 40,000 elements: three blocks, the last one short) and small ones beside it must come out as
 * the same formula in ND4J ops computes them, step after step.
 */
class AdamWBlocksTest {

    private static Map<String, Tensor> params(long seed) {
        Rng rng = new Rng(seed);
        Map<String, Tensor> p = new LinkedHashMap<>();
        p.put("big.weight", Tensor.leaf(random(rng, 200, 200)));     // decays (2 axes), 40,000 elements
        p.put("small.weight", Tensor.leaf(random(rng, 7, 3)));
        p.put("gain", Tensor.leaf(random(rng, 33)));                 // no decay (1 axis)
        return p;
    }

    private static INDArray random(Rng rng, long... shape) {
        INDArray a = Nd4j.create(DataType.FLOAT, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, rng.nextGaussian());
        }
        return a;
    }

    /** Three steps with the same made-up gradients on both sides; the weights after each compared. */
    @Test
    void blocksMatchTheNd4jFormula() {
        Map<String, Tensor> java = params(5), nd4j = params(5);
        AdamW a = new AdamW(java, 0.1, 0.9, 0.99, 1e-8), b = new AdamW(nd4j, 0.1, 0.9, 0.99, 1e-8);
        Rng grads = new Rng(9);
        for (int step = 1; step <= 3; step++) {
            for (String name : java.keySet()) {
                INDArray g = random(grads, java.get(name).shape());
                for (Tensor p : new Tensor[] {java.get(name), nd4j.get(name)}) {
                    p.zeroGrad();
                    p.mul(Tensor.of(g)).sum().backward();                      // d/dp sum(p * g) = g
                }
            }
            a.step(1e-2);
            Kernels.force(false);
            try {
                b.step(1e-2);
            } finally {
                Kernels.force(null);
            }
            for (String name : java.keySet()) {
                INDArray x = java.get(name).value(), y = nd4j.get(name).value();
                double err = x.castTo(DataType.DOUBLE).sub(y.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
                assertThat(err).as("%s after step %d", name, step).isLessThan(1e-6);
                assertThat(x.equalsWithEps(params(5).get(name).value(), 1e-3)).as("%s moved", name).isFalse();
            }
        }
    }
}
