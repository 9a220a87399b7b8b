package dev.quill.bench;

import dev.quill.autograd.Kernels;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The additions of a step on the residual stream (B, T, C): a residual connection {@code x + f(x)}
 * ({@link #residual}), and the positions (T, C) added to every sequence with its backward, which sums the
 * gradient over the batch ({@link #positionsForwardBackward}). {@code -p path=java} runs Quill's Java loops
 * ({@code AddKernel}), {@code -p path=nd4j} ND4J's add and sum ({@code -Dquill.kernels=nd4j}'s path).
 * Baby (12, 64, 128) = 98,304 floats; 6x384 (64, 256, 384) = 6.3 M floats.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class AddBench {

    @Param({"baby", "6x384"})
    public String shape;

    @Param({"java", "nd4j"})
    public String path;

    private Tensor x;
    private Tensor fx;
    private Tensor positions;
    private INDArray dy;

    @Setup
    public void setup() {
        Kernels.force("java".equals(path));
        Shape s = Shape.of(shape);
        Nd4j.getRandom().setSeed(1);
        x = Tensor.of(Nd4j.randn(DataType.FLOAT, s.b(), s.t(), s.c()));
        fx = Tensor.of(Nd4j.randn(DataType.FLOAT, s.b(), s.t(), s.c()));
        positions = Tensor.parameter(Nd4j.randn(DataType.FLOAT, s.t(), s.c()), "wpe");
        dy = Nd4j.randn(DataType.FLOAT, s.b(), s.t(), s.c());
    }

    @TearDown
    public void restore() {
        Kernels.force(null);
    }

    @Benchmark
    public double residual() {
        return Defaults.forward(() -> x.add(fx));
    }

    @Benchmark
    public double positionsForwardBackward() {
        positions.zeroGrad();
        return Defaults.forwardBackward(() -> x.add(positions), dy);
    }
}
