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
 * The fused {@code layerNorm} and {@code rmsNorm} (gain, no bias, as in the nanoGPT configs) on the
 * residual stream (B, T, C): baby (12, 64, 128) = 98,304 floats, 6x384 (64, 256, 384) = 6.3 M floats.
 * GB/s of the least traffic: forward reads x, writes y (8 bytes per element); backward reads x and dy,
 * writes dx (12 bytes). The backward includes dg and the += into the persistent leaves' gradients.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class NormBench {

    @Param({"baby", "6x384"})
    public String shape;

    private Tensor x, g;
    private INDArray dy;

    @Setup
    public void setup() {
        Shape s = Shape.of(shape);
        Nd4j.getRandom().setSeed(1);
        x = Tensor.leaf(Nd4j.randn(DataType.FLOAT, s.b(), s.t(), s.c()));
        g = Tensor.parameter(Nd4j.ones(DataType.FLOAT, s.c()), "g");
        dy = Nd4j.randn(DataType.FLOAT, s.b(), s.t(), s.c());
    }

    @Benchmark
    public double layerNormForward() {
        return Defaults.forward(() -> x.layerNorm(g, null, 1e-5));
    }

    @Benchmark
    public double layerNormForwardBackward() {
        return Defaults.forwardBackward(() -> x.layerNorm(g, null, 1e-5), dy);
    }

    @Benchmark
    public double rmsNormForward() {
        return Defaults.forward(() -> x.rmsNorm(g, null, 1e-5));
    }

    @Benchmark
    public double rmsNormForwardBackward() {
        return Defaults.forwardBackward(() -> x.rmsNorm(g, null, 1e-5), dy);
    }
}
