package dev.quill.train;

import dev.quill.autograd.Parallel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The machine's GEMM peak as Quill reaches it, the denominator of MFU: every one of Quill's threads
 * ({@link Parallel#threads}) multiplies its own (n x n) @ (n x n) float32 matrices with {@code Nd4j.gemm}
 * into a preallocated output, all at the same time, as a training step splits its products. The rate is
 * the total over the threads, best of a few rounds:
 * <pre>
 *   peak = threads * 2 n^3 / (seconds the round takes, until the last product ends)
 * </pre>
 * n = {@value #N}: 2.1 GFLOP per product, ~20 ms at 100 GFLOP/s, so a measurement takes a fraction of a
 * second (on one core of the reference machine a product of 2048 reached 108-109 GFLOP/s, one of 1024 101).
 */
public final class GemmPeak {

    /** The side of the square matrices. */
    public static final int N = 1024;
    private static final int ROUNDS = 6; // the first warms up

    private GemmPeak() {
    }

    /**
     * {@return the GEMM peak in GFLOP/s over all of Quill's threads, measured now}: call it when no other
     * thread of the process is running Quill's work (the threads would be busy, and the products would run
     * one after another, reading a fraction of the peak).
     */
    public static double measure() {
        int threads = Parallel.threads();
        INDArray[][] abc = new INDArray[threads][];
        for (int i = 0; i < threads; i++) {                                  // allocated here, not on the workers
            abc[i] = new INDArray[] {Nd4j.rand(DataType.FLOAT, N, N), Nd4j.rand(DataType.FLOAT, N, N),
                    Nd4j.createUninitialized(DataType.FLOAT, N, N)};
        }
        double flop = 2.0 * N * N * N * threads;
        double best = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                long t0 = System.nanoTime();
                Parallel.forEach(threads, i -> Nd4j.gemm(abc[i][0], abc[i][1], abc[i][2], false, false, 1.0, 0.0));
                for (INDArray[] m : abc) {
                    m[2].getFloat(0);                      // on a GPU the call returns early: wait for the product
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (round > 0) {
                    best = Math.max(best, flop / seconds / 1e9);
                }
            }
        } finally {                                   // 12 MB a thread: give it back now, not at the next GC
            for (INDArray[] m : abc) {
                for (INDArray x : m) {
                    if (!x.isAttached()) {
                        x.close();
                    }
                }
            }
        }
        return best;
    }

    /**
     * Model FLOPs utilization: the model FLOPs a second of training did, over the peak.
     *
     * @param tokensPerSecond training throughput
     * @param flopsPerToken   model FLOPs per token, forward and backward (see {@code Gpt.flopsPerToken})
     * @param peakGflops      the peak, from {@link #measure}
     * @return the fraction of the peak (NaN when either figure is unknown)
     */
    public static double mfu(double tokensPerSecond, double flopsPerToken, double peakGflops) {
        if (!(peakGflops > 0) || !Double.isFinite(flopsPerToken)) {
            return Double.NaN;
        }
        return tokensPerSecond * flopsPerToken / 1e9 / peakGflops;
    }
}
