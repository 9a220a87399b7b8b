package dev.quill.autograd;

import java.util.Random;
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
 * One head of the baby model (T = 64, hs = 32) through {@link VectorAttention}'s loops alone, on arrays that
 * stay in the core's cache: {@code mix} (y = A v over the causal half), {@code lower} (S = q k^T), the
 * softmax rows and the transpose of k. The ops around them (copies, ND4J calls) are in {@code AttentionBench}.
 * <pre>
 *   java -jar target/benchmarks.jar AttentionHeadBench -jvmArgsAppend "--add-modules jdk.incubator.vector"
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class AttentionHeadBench {

    private static final int T = 64, HS = 32;
    private float[] p, x, out, kt, s;

    @Setup
    public void setup() {
        Random rnd = new Random(1);
        p = new float[T * T];
        s = new float[T * T];
        x = new float[T * HS];
        out = new float[T * HS];
        kt = new float[HS * T];
        for (int i = 0; i < T; i++) {
            for (int j = 0; j <= i; j++) {
                p[i * T + j] = rnd.nextFloat();
            }
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = rnd.nextFloat() - 0.5f;
            kt[i] = rnd.nextFloat() - 0.5f;
        }
    }

    @Benchmark
    public float[] mix() {
        VectorAttention.mix(p, T, x, 0, HS, out, 0, HS, HS, T, true);
        return out;
    }

    @Benchmark
    public float[] lower() {
        VectorAttention.lower(x, 0, HS, kt, T, s, HS, T);
        return s;
    }

    @Benchmark
    public float[] lowerThenSoftmax() {
        VectorAttention.lower(x, 0, HS, kt, T, s, HS, T);
        VectorAttention.softmaxRows(s, T, T, 0.17f);
        return s;
    }

    @Benchmark
    public float[] transpose() {
        VectorAttention.transpose(x, 0, HS, kt, T, T, HS);
        return kt;
    }
}
