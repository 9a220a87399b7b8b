package dev.quill.autograd;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A backward pass over a big graph frees each gradient once its op has used it ({@link Backward}); a small one
 * stays in the scope's arena. {@code quill.backward.free.mb} picks the path here: 0 frees in every pass.
 */
class BackwardFreeingTest {

    /** Passes its input through unchanged, and keeps the gradient it was handed, to look at afterwards. */
    static final class Capture extends Function {
        INDArray seen;

        Tensor apply(Tensor x) {
            return output(x.value().dup(), x);
        }

        @Override
        protected void backward(INDArray dy) {
            seen = dy;
            accumulate(0, dy); // passed on, shared: freed only when the input's op has used it too
        }
    }

    @Test
    void anInteriorGradientIsFreedOnceTheLastOpThatHoldsItHasRun() {
        INDArray x0 = Nd4j.linspace(-1, 1, 24, DataType.DOUBLE).reshape(4, 6);
        // d/dx sum(tanh(2x)) = 2 (1 - tanh(2x)^2)
        INDArray expected = Transforms.tanh(x0.mul(2), true).muli(Transforms.tanh(x0.mul(2), true)).rsubi(1).muli(2);
        for (String mb : new String[] {"0", "100000"}) {
            Capture capture = new Capture();
            INDArray grad = withFreeingAt(mb, () -> {
                try (MemoryScope scope = MemoryScope.open("test")) {
                    Tensor x = Tensor.parameter(x0.dup(), "x");
                    capture.apply(x.mul(2.0)).tanh().sum().backward();
                    return MemoryScope.outside(() -> x.grad().dup());
                }
            });
            assertThat(grad.equalsWithEps(expected, 1e-12)).as("gradient with free.mb=" + mb).isTrue();
            // freeing: the gradient of the capture's output was let go of by it and by its input, so it is gone;
            // arena: it lived in the scope, which has closed, but nobody closed the array itself
            assertThat(capture.seen.wasClosed()).as("freed with free.mb=" + mb).isEqualTo(mb.equals("0"));
        }
    }

    @Test
    void bothPathsGiveTheSameGradientsThroughAttentionDropoutAndResiduals() {
        INDArray[] free = gradients("0");
        INDArray[] arena = gradients("100000");
        for (int i = 0; i < free.length; i++) {
            assertThat(free[i]).as("gradient " + i).isEqualTo(arena[i]);
        }
    }

    /** A small block with every kind of sharing: qkv attention with dropout, a residual used twice, a reshape. */
    private static INDArray[] gradients(String mb) {
        return withFreeingAt(mb, () -> {
            Nd4j.getRandom().setSeed(11);
            Tensor x = Tensor.parameter(Nd4j.rand(DataType.FLOAT, 2, 8, 12), "x");
            Tensor w = Tensor.parameter(Nd4j.rand(DataType.FLOAT, 36, 12).subi(0.5), "w");
            Tensor g = Tensor.parameter(Nd4j.ones(DataType.FLOAT, 12), "g");
            try (MemoryScope scope = MemoryScope.open("test")) {
                Rng rng = new Rng(5);
                Tensor h = x.layerNorm(g, null, 1e-5);                                    // (2, 8, 12)
                Tensor y = Tensor.causalSelfAttention(h.matmul(w, false, true), 2, 0.2, rng, true);
                Tensor r = x.add(y.dropout(0.2, rng, true));                               // residual
                Tensor out = r.add(r.mul(r).reshape(2, 96).reshape(2, 8, 12).gelu());
                out.sum().backward();
                return MemoryScope.outside(() -> new INDArray[] {x.grad().dup(), w.grad().dup(), g.grad().dup()});
            }
        });
    }

    private static <T> T withFreeingAt(String mb, Supplier<T> body) {
        String old = System.getProperty("quill.backward.free.mb");
        System.setProperty("quill.backward.free.mb", mb);
        try {
            return body.get();
        } finally {
            if (old == null) {
                System.clearProperty("quill.backward.free.mb");
            } else {
                System.setProperty("quill.backward.free.mb", old);
            }
        }
    }
}
