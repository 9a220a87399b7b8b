package dev.quill.bench;

import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The memory read bandwidth a Java loop reaches here: the sum of an int array far larger than the caches
 * (C2 vectorizes an int sum), read by 1 thread and by T threads (each its own slice), best of R passes.
 * A decode step of a large model streams every weight once, so bytes per token over this figure is the
 * fastest a step can be: GPT-2 124M in F32 reads ~498 MB per token.
 * <pre>
 *   java -cp target/benchmarks.jar dev.quill.bench.MemoryBandwidth --mb 512 --threads 2 --repeats 5
 * </pre>
 * Prints {@code RESULT impl=java threads=N gb_per_s=..} per thread count.
 */
public final class MemoryBandwidth {

    private MemoryBandwidth() {
    }

    public static void main(String[] args) throws Exception {
        int mb = 512, threads = Runtime.getRuntime().availableProcessors(), repeats = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--mb" -> mb = Integer.parseInt(args[++i]);
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--repeats" -> repeats = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i] + " (--mb M --threads T --repeats R)");
            }
        }
        int[] a = new int[mb / 4 * 1024 * 1024];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;                                                                  // touch every page
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            for (int t : threads == 1 ? new int[] {1} : new int[] {1, threads}) {
                double best = Double.MAX_VALUE;
                long check = 0;
                for (int r = 0; r < repeats + 1; r++) {                                // the first pass warms up
                    long t0 = System.nanoTime();
                    check = sum(pool, a, t);
                    double s = (System.nanoTime() - t0) / 1e9;
                    if (r > 0) {
                        best = Math.min(best, s);
                    }
                }
                System.out.printf(Locale.ROOT, "RESULT impl=java threads=%d mb=%d gb_per_s=%.2f check=%d%n",
                        t, mb, a.length * 4.0 / best / 1e9, check);
            }
        } finally {
            pool.shutdown();
        }
    }

    private static long sum(ExecutorService pool, int[] a, int threads) throws Exception {
        Future<?>[] parts = new Future<?>[threads];
        int per = a.length / threads;
        for (int p = 0; p < threads; p++) {
            int from = p * per, to = p == threads - 1 ? a.length : from + per;
            parts[p] = pool.submit(() -> slice(a, from, to));
        }
        long s = 0;
        for (Future<?> f : parts) {
            s += (Integer) f.get();
        }
        return s;
    }

    private static int slice(int[] a, int from, int to) {
        int s = 0;
        for (int i = from; i < to; i++) {
            s += a[i];
        }
        return s;
    }
}
