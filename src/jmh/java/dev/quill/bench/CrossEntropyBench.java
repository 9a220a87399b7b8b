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
 * The fused {@code crossEntropy} on logits (B, T, V=65) with int targets (B, T): baby 49,920 logits,
 * 6x384 1.06 M logits. GB/s of the least traffic: forward reads the logits (4 bytes per logit),
 * forward + backward also writes dlogits (8 bytes). Forward includes {@code item()}, as the Trainer does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class CrossEntropyBench {

    @Param({"baby", "6x384"})
    public String shape;

    private Tensor logits;
    private INDArray targets;

    @Setup
    public void setup() {
        Shape s = Shape.of(shape);
        Nd4j.getRandom().setSeed(1);
        logits = Tensor.leaf(Nd4j.randn(DataType.FLOAT, s.b(), s.t(), s.v()));
        int[] ids = new int[s.b() * s.t()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = (i * 31 + 7) % s.v();
        }
        targets = Nd4j.createFromArray(ids).reshape(s.b(), s.t());
    }

    @Benchmark
    public double forward() {
        try (MemoryScope scope = MemoryScope.open("bench")) {
            return logits.crossEntropy(targets, -1).item();
        }
    }

    @Benchmark
    public double forwardBackward() {
        try (MemoryScope scope = MemoryScope.open("bench")) {
            Tensor loss = logits.crossEntropy(targets, -1);
            double l = loss.item();
            loss.backward();
            return l;
        }
    }
}
