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
 * {@code gelu()} (exact erf form, the nanoGPT default) or {@code geluTanh()} (GPT-2's tanh form, {@code -p
 * form=tanh}) on the MLP hidden layer (B, T, 4C): baby
 * (12, 64, 512) = 393,216 floats, 6x384 (64, 256, 1536) = 25.2 M floats. GB/s of the least traffic:
 * forward 8 bytes per element, backward 12 (reads x and dy, writes dx).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class GeluBench {

    @Param({"baby", "6x384"})
    public String shape;

    @Param({"exact", "tanh"})
    public String form;

    private Tensor x;
    private INDArray dy;

    @Setup
    public void setup() {
        Shape s = Shape.of(shape);
        Nd4j.getRandom().setSeed(1);
        x = Tensor.leaf(Nd4j.randn(DataType.FLOAT, s.b(), s.t(), 4L * s.c()));
        dy = Nd4j.randn(DataType.FLOAT, s.b(), s.t(), 4L * s.c());
    }

    @Benchmark
    public double forward() {
        return Defaults.forward(this::gelu);
    }

    @Benchmark
    public double forwardBackward() {
        return Defaults.forwardBackward(this::gelu, dy);
    }

    private Tensor gelu() {
        return "tanh".equals(form) ? x.geluTanh() : x.gelu();
    }
}
