package dev.quill.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.quill.autograd.GradCheck;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.config.LoraConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** One LoraLinear: the formula, its initialization, frozen base, and gradients by finite differences. */
class LoraLinearTest {

    private static final DataType D = DataType.DOUBLE;

    private static INDArray gaussian(long seed, double std, long... shape) {
        Rng rng = new Rng(seed);
        INDArray a = Nd4j.create(D, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, std * rng.nextGaussian());
        }
        return a;
    }

    private static LoraLinear lora(boolean bias, double dropout, Rng dropoutRng) {
        Linear base = new Linear(5, 3, bias, 0.5, new Rng(1), D);
        base.freeze();
        if (bias) {
            base.bias().value().assign(gaussian(2, 1.0, 3));
        }
        return new LoraLinear(base, new LoraConfig(2, 6.0, dropout, List.of("x")), new Rng(3), dropoutRng);
    }

    @Test
    void namesShapesAndInitialization() {
        LoraLinear l = lora(true, 0.0, new Rng(4));
        assertThat(l.parameters().keySet()).containsExactly("weight", "bias", "lora_A.weight", "lora_B.weight");
        assertThat(l.parameters().get("weight")).isSameAs(l.base().weight());
        assertThat(l.loraA().shape()).containsExactly(2, 5);                 // (r, in)
        assertThat(l.loraB().shape()).containsExactly(3, 2);                 // (out, r)
        assertThat(l.loraB().value().amaxNumber().doubleValue()).isZero();
        // uniform(-1/sqrt(in), 1/sqrt(in)), and not all in a narrow band
        double bound = 1 / Math.sqrt(5);
        assertThat(l.loraA().value().amaxNumber().doubleValue()).isLessThanOrEqualTo(bound).isGreaterThan(bound / 2);
        assertThat(l.trainableParameters().keySet()).containsExactly("lora_A.weight", "lora_B.weight");
        // B = 0: the output is the base Linear's, bit for bit
        Tensor x = Tensor.of(gaussian(5, 1.0, 2, 4, 5));
        assertThat(l.forward(x).value().ravel().toDoubleVector()).containsExactly(l.base().forward(x).value().ravel().toDoubleVector());
    }

    @Test
    void forwardIsTheFormulaSpelledOutWithPlainMatrices() {
        LoraLinear l = lora(true, 0.0, new Rng(4));
        l.loraB().value().assign(gaussian(6, 1.0, 3, 2));
        INDArray x = gaussian(7, 1.0, 4, 5);                                    // (N, in)
        INDArray w = l.weight().value(), b = l.bias().value(), a = l.loraA().value(), bb = l.loraB().value();
        // y = x W^T + b + (alpha / r) x A^T B^T, alpha / r = 6 / 2 = 3
        INDArray want = x.mmul(w.transpose()).addRowVector(b).add(x.mmul(a.transpose()).mmul(bb.transpose()).mul(3.0));
        INDArray got = l.forward(Tensor.of(x)).value();
        assertThat(got.sub(want).amaxNumber().doubleValue()).isLessThan(1e-12);
        // and the update is not negligible, so a missing term would show
        assertThat(got.sub(l.base().forward(Tensor.of(x)).value()).amaxNumber().doubleValue()).isGreaterThan(0.1);
    }

    @Test
    void gradientsOfInputAAndBMatchFiniteDifferencesAndTheBaseGetsNone() {
        for (boolean bias : new boolean[] {true, false}) {
            for (double dropout : new double[] {0.0, 0.3}) {
                Rng dropoutRng = new Rng(8);
                LoraLinear l = lora(bias, dropout, dropoutRng);
                l.loraB().value().assign(gaussian(9, 1.0, 3, 2)); // B = 0 would make A's gradient zero
                Tensor x = Tensor.leaf(gaussian(10, 1.0, 2, 4, 5)).named("x");
                long state = dropoutRng.state();
                GradCheck.Result r = GradCheck.check(() -> {
                    dropoutRng.restore(state); // the same dropout mask at every evaluation
                    return l.forward(x);
                }, List.of(x, l.loraA().named("A"), l.loraB().named("B")), 11);
                assertThat(r.maxError()).as("bias %s, dropout %s: %s", bias, dropout, r).isLessThan(1e-6);
                assertThat(l.weight().grad()).isNull();
                if (bias) {
                    assertThat(l.bias().grad()).isNull();
                }
            }
        }
    }
}
