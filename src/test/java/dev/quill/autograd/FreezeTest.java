package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

/** A frozen leaf takes part in the forward but gets no gradient, as with PyTorch's requires_grad_(False). */
class FreezeTest {

    @Test
    void aFrozenParameterGetsNoGradientAndTheOthersStillDo() {
        Tensor w = Tensor.parameter(Nd4j.createFromArray(new double[][] {{1, 2}, {3, 4}}), "w");
        Tensor b = Tensor.parameter(Nd4j.createFromArray(0.5, -0.5), "b");
        Tensor x = Tensor.leaf(Nd4j.createFromArray(new double[][] {{1, -1}}));
        w.matmul(x, false, true).sum().backward();           // seeds w's gradient before freezing
        assertThat(w.grad()).isNotNull();
        assertThat(w.requiresGrad(false)).isSameAs(w);
        assertThat(w.grad()).as("freezing drops the gradient").isNull();
        x.zeroGrad();
        x.matmul(w, false, true).add(b).sum().backward();     // y = x W^T + b
        assertThat(w.grad()).isNull();
        assertThat(b.grad().toDoubleVector()).containsExactly(1.0, 1.0);
        assertThat(x.grad().toDoubleVector()).containsExactly(4.0, 6.0); // column sums of W
        w.requiresGrad(true);
        x.matmul(w, false, true).sum().backward();
        assertThat(w.grad().ravel().toDoubleVector()).containsExactly(1.0, -1.0, 1.0, -1.0);
    }

    @Test
    void onlyLeavesCanBeFrozenAndAllFrozenRecordsNothing() {
        Tensor w = Tensor.parameter(Nd4j.createFromArray(1.0, 2.0), "w");
        Tensor y = w.mul(2.0);
        assertThatThrownBy(() -> y.requiresGrad(false)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is not a leaf");
        w.requiresGrad(false);
        Tensor z = w.mul(2.0).sum();
        assertThat(z.requiresGrad()).isFalse();
        assertThat(z.isLeaf()).as("no history recorded").isTrue();
        assertThatThrownBy(z::backward).hasMessageContaining("does not depend on anything that requires a gradient");
    }
}
