package dev.quill.bench;

import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Tensor;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The c_attn Linear of each config: x (B*T, C) times W (3C, C)^T, as the engine runs it
 * ({@code Tensor.matmul} with a transpose flag, inside a MemoryScope) and as raw {@code Nd4j.gemm} into a
 * preallocated output (the floor). Each product is 2 * B*T * C * 3C FLOP:
 * baby (768x128)@(128x384) = 75.5 MFLOP, 6x384 (16384x384)@(384x1152) = 14.5 GFLOP.
 * <ul>
 *   <li>{@code gemmForward}: y = x W^T;  {@code gemmBackwardInput}: dx = dy W;  {@code gemmBackwardWeight}: dW = dy^T x</li>
 *   <li>{@code engineForward}: the forward through Tensor; {@code engineForwardBackward}: forward, then
 *       backward from a fixed dy (both products, plus the += into the persistent leaves' gradients)</li>
 * </ul>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class MatMulBench {

    @Param({"baby", "6x384"})
    public String shape;

    private INDArray x, w, dy, y, dx, dw;
    private Tensor xt, wt;

    @Setup
    public void setup() {
        Shape s = Shape.of(shape);
        long m = s.rows();
        int c = s.c();
        Nd4j.getRandom().setSeed(1);
        x = Nd4j.randn(DataType.FLOAT, m, c);            // (B*T, C)
        w = Nd4j.randn(DataType.FLOAT, 3L * c, c);       // (3C, C), PyTorch layout
        dy = Nd4j.randn(DataType.FLOAT, m, 3L * c);      // (B*T, 3C)
        y = Nd4j.create(DataType.FLOAT, m, 3L * c);
        dx = Nd4j.create(DataType.FLOAT, m, c);
        dw = Nd4j.create(DataType.FLOAT, 3L * c, c);
        xt = Tensor.leaf(x);
        wt = Tensor.parameter(w, "w");
    }

    @Benchmark
    public INDArray gemmForward() {
        return Nd4j.gemm(x, w, y, false, true, 1.0, 0.0);          // (B*T, C) @ (C, 3C)
    }

    @Benchmark
    public INDArray gemmBackwardInput() {
        return Nd4j.gemm(dy, w, dx, false, false, 1.0, 0.0);       // (B*T, 3C) @ (3C, C)
    }

    @Benchmark
    public INDArray gemmBackwardWeight() {
        return Nd4j.gemm(dy, x, dw, true, false, 1.0, 0.0);        // (3C, B*T) @ (B*T, C)
    }

    @Benchmark
    public double engineForward() {
        try (MemoryScope scope = MemoryScope.open("bench")) {
            return xt.matmul(wt, false, true).value().getDouble(0);
        }
    }

    @Benchmark
    public double engineForwardBackward() {
        try (MemoryScope scope = MemoryScope.open("bench")) {
            Tensor out = xt.matmul(wt, false, true);
            out.backward(dy);
            return out.value().getDouble(0);
        }
    }
}
