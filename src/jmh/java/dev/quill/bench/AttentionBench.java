package dev.quill.bench;

import dev.quill.autograd.Rng;
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
 * The fused causal attention {@code Tensor.attention(q, k, v)} on (B, nh, T, hs) inputs, without dropout:
 * baby (12, 4, 64, 32), 6x384 (64, 6, 256, 64). FLOP counted as the dense products (causality not
 * exploited): forward 4*B*nh*T^2*hs (q k^T and P v), backward 8*B*nh*T^2*hs (four products).
 * The backward includes the += into the three persistent leaves' gradients. The {@code qkv} benchmarks run the
 * model's own form, {@code Tensor.causalSelfAttention} on the packed (B, T, 3C) projection, whose heads are
 * read and written in place through strided views.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class AttentionBench {

    @Param({"baby", "6x384"})
    public String shape;

    private Tensor q, k, v, qkv;
    private INDArray dy, dyMerged;
    private int nh;
    private final Rng rng = new Rng(1);

    @Setup
    public void setup() {
        Shape s = Shape.of(shape);
        long[] dims = {s.b(), s.nh(), s.t(), s.hs()};
        Nd4j.getRandom().setSeed(1);
        q = Tensor.leaf(Nd4j.randn(DataType.FLOAT, dims));
        k = Tensor.leaf(Nd4j.randn(DataType.FLOAT, dims));
        v = Tensor.leaf(Nd4j.randn(DataType.FLOAT, dims));
        dy = Nd4j.randn(DataType.FLOAT, dims);
        nh = s.nh();
        qkv = Tensor.leaf(Nd4j.randn(DataType.FLOAT, s.b(), s.t(), 3L * s.c()));
        dyMerged = Nd4j.randn(DataType.FLOAT, s.b(), s.t(), s.c());
    }

    @Benchmark
    public double forward() {
        return Defaults.forward(() -> Tensor.attention(q, k, v, 0.0, rng, true));
    }

    @Benchmark
    public double forwardBackward() {
        return Defaults.forwardBackward(() -> Tensor.attention(q, k, v, 0.0, rng, true), dy);
    }

    @Benchmark
    public double qkvForward() {
        return Defaults.forward(() -> Tensor.causalSelfAttention(qkv, nh, 0.0, rng, true));
    }

    @Benchmark
    public double qkvForwardBackward() {
        return Defaults.forwardBackward(() -> Tensor.causalSelfAttention(qkv, nh, 0.0, rng, true), dyMerged);
    }
}
