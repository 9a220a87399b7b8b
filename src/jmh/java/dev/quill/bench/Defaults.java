package dev.quill.bench;

import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Tensor;
import java.util.function.Supplier;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Helpers shared by the op benchmarks: run an op inside a scope, forward only or forward and backward. */
final class Defaults {

    private Defaults() {
    }

    /** Forward inside a scope; returns one element so the JIT cannot drop the work. */
    static double forward(Supplier<Tensor> op) {
        try (MemoryScope scope = MemoryScope.open("bench")) {
            return op.get().value().getDouble(0);
        }
    }

    /** Forward, then backward from {@code seed} (a preallocated dL/dy), inside a scope. */
    static double forwardBackward(Supplier<Tensor> op, INDArray seed) {
        try (MemoryScope scope = MemoryScope.open("bench")) {
            Tensor y = op.get();
            y.backward(seed);
            return y.value().getDouble(0);
        }
    }
}
