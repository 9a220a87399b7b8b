package dev.quill.autograd;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains a two-layer MLP with softmax cross-entropy on random data for many passes and reports resident
 * memory, to show that a {@link MemoryScope} per pass keeps it flat. Run:
 * <pre>
 *   java -cp "$(cat target/classpath.txt):target/classes:target/test-classes" \
 *       dev.quill.autograd.MemoryFlatness 10000 [noscope]
 * (-Dquill.gc.interval=0 turns off the scopes' periodic collection, to see why it is there)
 * </pre>
 */
public final class MemoryFlatness {

    private MemoryFlatness() {
    }

    /** Runs {@code passes} SGD steps; calls {@code report} with (pass, RSS in MB) at the chosen passes. */
    static void run(int passes, boolean scoped, java.util.function.IntPredicate reportAt,
                    java.util.function.BiConsumer<Integer, Long> report) {
        Rng rng = new Rng(1);
        INDArray x = MemoryScope.outside(() -> fill(Nd4j.create(DataType.FLOAT, 256, 384), rng, 1.0));
        INDArray y = MemoryScope.outside(() -> {
            INDArray t = Nd4j.create(DataType.INT32, 256);
            for (int i = 0; i < 256; i++) {
                t.putScalar(i, rng.nextInt(10));
            }
            return t;
        });
        Tensor w1 = Tensor.parameter(fill(Nd4j.create(DataType.FLOAT, 384, 256), rng, 0.05), "w1");
        Tensor b1 = Tensor.parameter(Nd4j.zeros(DataType.FLOAT, 256), "b1");
        Tensor w2 = Tensor.parameter(fill(Nd4j.create(DataType.FLOAT, 10, 256), rng, 0.05), "w2");
        Tensor[] params = {w1, b1, w2};
        for (int pass = 1; pass <= passes; pass++) {
            if (scoped) {
                try (MemoryScope scope = MemoryScope.open("mlp-step")) {
                    step(x, y, params);
                }
            } else {
                step(x, y, params);
            }
            if (reportAt.test(pass)) {
                report.accept(pass, rssMb());
            }
        }
    }

    private static void step(INDArray x, INDArray y, Tensor[] params) {
        Tensor loss = Tensor.of(x).matmul(params[0]).add(params[1]).gelu()
                .matmul(params[2], false, true).crossEntropy(y, -1);
        loss.backward();
        for (Tensor p : params) {
            p.value().subi(p.grad().mul(0.01));
            p.zeroGrad();
        }
    }

    private static INDArray fill(INDArray a, Rng rng, double std) {
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, std * rng.nextGaussian());
        }
        return a;
    }

    /** Resident set size of this process, from /proc/self/status (Linux). */
    static long rssMb() {
        return ProcessMemory.read().residentMb();
    }

    public static void main(String[] args) {
        int passes = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        boolean scoped = !(args.length > 1 && args[1].equals("noscope"));
        long start = System.nanoTime();
        run(passes, scoped, p -> p == 1 || p % 1000 == 0, (p, mb) ->
                System.out.printf("pass %6d  rss %5d MB  %.1f s%n", p, mb, (System.nanoTime() - start) / 1e9));
    }
}
