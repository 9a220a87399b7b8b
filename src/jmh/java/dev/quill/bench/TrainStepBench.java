package dev.quill.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One whole training step of the baby model (B=12, T=64, 4x4x128) on tiny Shakespeare, as the Trainer
 * makes it ({@link TrainSetup#step}: batch sampling, forward, loss.item(), backward, clip, AdamW, zeroGrad,
 * in a MemoryScope). GFLOP/s by nanoGPT's count: (6N + 12 L C T) * B * T = 3.97 GFLOP per step.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class TrainStepBench {

    private TrainSetup run;
    private long it;

    @Setup
    public void setup() {
        run = new TrainSetup(Shape.of("baby"));
    }

    @Benchmark
    public double babyStep() {
        return run.step(it++);
    }
}
