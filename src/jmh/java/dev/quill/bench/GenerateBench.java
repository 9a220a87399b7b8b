package dev.quill.bench;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Rng;
import dev.quill.autograd.Tensor;
import dev.quill.model.Gpt;
import dev.quill.model.KvCache;
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
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One generation step of the baby model (batch 1): logits for the next token and a sample from them
 * (softmax at temperature 1 and an inverse-CDF draw, in Java).
 * <ul>
 *   <li>{@code cachedStep}: one new token through {@code Gpt.forward(idx, KvCache)}; the cache fills
 *       position by position and is cleared when full, so the measured steps average over cache
 *       lengths 0..63;</li>
 *   <li>{@code uncachedStep}: nanoGPT without a cache at steady state: the whole 64-token window
 *       forward, the last position's logits used.</li>
 * </ul>
 * Rate: tokens/s = 1000 / (ms per step); GFLOP/s counted as 2N per token (cached) or 2N * 64 (uncached).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--add-modules", "jdk.incubator.vector"})
public class GenerateBench {

    private Gpt gpt;
    private KvCache cache;
    private int[] window;
    private final Rng rng = new Rng(7);
    private int next = 1;

    @Setup(Level.Trial)
    public void setup() {
        gpt = new Gpt(Shape.of("baby").model(), 1337);
        gpt.train(false);
        cache = new KvCache(gpt.config(), 1, DataType.FLOAT);
        window = new int[gpt.config().blockSize()];
        for (int i = 0; i < window.length; i++) {
            window[i] = (i * 13 + 5) % Shape.VOCAB;
        }
    }

    @Benchmark
    public int cachedStep() {
        try (GradMode g = GradMode.off(); MemoryScope scope = MemoryScope.open("generate")) {
            if (cache.length() == cache.capacity()) {
                cache.clear();
            }
            INDArray idx = Nd4j.createFromArray(new int[][] {{next}});                 // (1, 1)
            Tensor logits = gpt.forward(idx, cache);                                  // (1, 1, V)
            next = sample(logits.value().reshape(-1).toFloatVector());
            return next;
        }
    }

    @Benchmark
    public int uncachedStep() {
        try (GradMode g = GradMode.off(); MemoryScope scope = MemoryScope.open("generate")) {
            INDArray idx = Nd4j.createFromArray(new int[][] {window});                // (1, 64)
            Tensor logits = gpt.forward(idx);                                         // (1, 64, V)
            INDArray last = logits.value().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(window.length - 1));  // (V)
            next = sample(last.toFloatVector());
            return next;
        }
    }

    private int sample(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        double u = rng.nextDouble() * sum;
        for (int i = 0; i < p.length; i++) {
            u -= p[i];
            if (u <= 0) {
                return i;
            }
        }
        return p.length - 1;
    }
}
