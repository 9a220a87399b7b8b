package dev.quill.bench;

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
 * {@code Tensor.softmax()} over the last axis of attention scores (B, nh, T, T): baby (12, 4, 64, 64) =
 * 196,608 floats, 6x384 (64, 6, 256, 256) = 25.2 M floats. Rate in GB/s of the least traffic a fused
 * kernel needs: forward reads x and writes y (8 bytes per element), backward reads y and dy and writes
 * dx (12 bytes).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class SoftmaxBench {

    @Param({"baby", "6x384"})
    public String shape;

    private Tensor x;
    private INDArray dy;

    @Setup
    public void setup() {
        Shape s = Shape.of(shape);
        long[] dims = {s.b(), s.nh(), s.t(), s.t()};
        Nd4j.getRandom().setSeed(1);
        x = Tensor.leaf(Nd4j.randn(DataType.FLOAT, dims));
        dy = Nd4j.randn(DataType.FLOAT, dims);
    }

    @Benchmark
    public double forward() {
        return Defaults.forward(() -> x.softmax());
    }

    @Benchmark
    public double forwardBackward() {
        return Defaults.forwardBackward(() -> x.softmax(), dy);
    }
}
