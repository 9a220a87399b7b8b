package dev.quill.bench;

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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's GEMM peak as ND4J reaches it: (2048x2048)@(2048x2048) in float32 with {@code Nd4j.gemm}
 * into a preallocated output (2 * 2048^3 = 17.2 GFLOP per call). Every other rate is reported against it;
 * {@link #measure()} gives the same figure outside JMH. One thread: MFU in {@code quill train} and
 * TrainThroughput is over {@code dev.quill.train.GemmPeak} instead, every one of Quill's threads at once.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class GemmPeak {

    static final int N = 2048;
    static final double FLOP = 2.0 * N * N * N;

    private INDArray a;
    private INDArray b;
    private INDArray out;

    @Setup
    public void setup() {
        Nd4j.getRandom().setSeed(1);
        a = Nd4j.rand(DataType.FLOAT, N, N);
        b = Nd4j.rand(DataType.FLOAT, N, N);
        out = Nd4j.createUninitialized(DataType.FLOAT, N, N);
    }

    @Benchmark
    public INDArray gemm2048() {
        return Nd4j.gemm(a, b, out, false, false, 1.0, 0.0);
    }

    /** Best rate over a few calls after warm-up, in GFLOP/s. */
    public static double measure() {
        GemmPeak g = new GemmPeak();
        g.setup();
        double best = 0;
        for (int i = 0; i < 12; i++) {
            long t0 = System.nanoTime();
            g.gemm2048();
            double s = (System.nanoTime() - t0) / 1e9;
            if (i >= 2) {
                best = Math.max(best, FLOP / s / 1e9);
            }
        }
        return best;
    }

    public static void main(String[] args) {
        System.out.printf("GEMM peak (Nd4j.gemm %dx%dx%d float32, best of 10): %.1f GFLOP/s%n", N, N, N, measure());
    }
}
