package dev.quill.bench;

import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Tensor;
import dev.quill.data.Batch;
import dev.quill.train.GradClip;
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
 * The optimizer side of a baby step, over all 0.80 M parameters (18 tensors): {@code adamwStep} is one
 * AdamW update (GB/s of the least traffic: read w, g, m, v and write w, m, v = 28 bytes per parameter);
 * {@code gradClip} is the global-norm clip (one norm per parameter tensor, then a scale; reads g = 4 bytes
 * per parameter, counted once). Gradients come from one real backward in the setup.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class AdamWBench {

    private TrainSetup run;

    @Setup
    public void setup() {
        run = new TrainSetup(Shape.of("baby"));
        try (MemoryScope scope = MemoryScope.open("setup")) {
            Batch b = run.sampler.next();
            Tensor loss = run.gpt.loss(b.inputs(), b.targets());
            loss.backward();
        }
    }

    @Benchmark
    public long adamwStep() {
        run.optimizer.step(1e-4);
        return run.optimizer.stepCount();
    }

    @Benchmark
    public double gradClip() {
        return GradClip.clip(run.params, 1e9); // a bound above the norm: measures the norm, as most steps
    }
}
