package dev.quill.model;

import dev.quill.autograd.Kernels;
import java.util.concurrent.TimeUnit;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
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
 * The decode step's weight products ({@link RowWeight#apply} for one position): GPT-2's MLP weight
 * (3,072 x 768, 9.4 MB in F32, well past the L2 cache, so each call streams it from L3 or memory) as the
 * model's own F32 buffer ({@link StreamedWeight}) and as int8 rows ({@link Int8Weight}, 2.4 MB), each on its
 * fast path ({@code fast}: OpenBLAS's GEMV for F32, the Vector API for int8), without the Vector API
 * ({@code loops}: F32 is still OpenBLAS) and on the plain path ({@code plain}: {@code -Dquill.kernels=nd4j},
 * the Java loops of {@link RowDots}). Read rate = the weight's bytes over the
 * time of one call ({@code rows * cols * 4} for F32, {@code rows * cols} plus the scales for int8). Quill's
 * threads split the rows ({@code -Dquill.threads}, default every core). OpenBLAS runs one thread per call, as
 * under the quill launcher, only when the environment says so; {@code -jvmArgsAppend} replaces the options
 * below, so it repeats them:
 *
 * <pre>OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 java -jar target/benchmarks.jar RowWeightBench \
 *     -jvmArgsAppend "-Xmx2g --add-modules jdk.incubator.vector -Dquill.threads=1"</pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx2g", "--add-modules", "jdk.incubator.vector"})
public class RowWeightBench {

    @Param({"f32", "int8"})
    public String format;

    @Param({"fast", "loops", "plain"})
    public String kernels;

    @Param({"3072"})
    public int rows;

    @Param({"768"})
    public int cols;

    private INDArray w;             // held: StreamedWeight reads its buffer in place
    private RowWeight weight;
    private float[][] x;
    private float[][] y;

    @Setup
    public void setup() {
        Kernels.forceVector(!"loops".equals(kernels));
        Kernels.force("plain".equals(kernels) ? false : null);
        Nd4j.getRandom().setSeed(1);
        w = Nd4j.randn(DataType.FLOAT, rows, cols).muli(0.02);
        StreamedWeight f32 = new StreamedWeight(w);
        weight = "int8".equals(format) ? new Int8Weight(f32) : f32;
        x = new float[1][cols];
        for (int i = 0; i < cols; i++) {
            x[0][i] = (float) Math.sin(i);
        }
        y = new float[1][rows];
    }

    @TearDown(Level.Trial)
    public void restore() {
        Kernels.forceVector(null);
        Kernels.force(null);
    }

    @Benchmark
    public float[][] onePosition() {
        weight.apply(x, 1, null, y);
        return y;
    }
}
