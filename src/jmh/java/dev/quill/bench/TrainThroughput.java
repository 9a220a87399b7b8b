package dev.quill.bench;

import dev.quill.autograd.GradMode;
import dev.quill.autograd.Kernels;
import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Parallel;
import dev.quill.autograd.ProcessMemory;
import dev.quill.data.RandomWindowSampler;
import dev.quill.data.TokenSplit;
import java.io.IOException;
import java.util.Arrays;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * End-to-end training throughput on tiny Shakespeare, with nanoGPT's settings for the config:
 * {@code baby} (4x4x128, block 64, batch 12, dropout 0, bias false, lr 1e-3 cosine to 1e-4, warmup 100,
 * AdamW betas (0.9, 0.99), weight decay 0.1, clip 1.0) or {@code 6x384} (6x6x384, block 256, 64 sequences
 * per step, dropout 0.2, same optimizer).
 *
 * <p>The loop is a hand loop that makes each step exactly as {@code Trainer.run} does
 * ({@link TrainSetup#step}: per micro-batch, in a MemoryScope, batch sampling, forward, loss.item(), backward;
 * then clip, AdamW, zeroGrad), timed with System.nanoTime around the whole step. {@code --accum A} splits the
 * step's B sequences into A micro-batches of B / A (default: the recipe's grad_accum_steps, 1 for baby and 8
 * for 6x384, whose 64 sequences then go 8 at a time). With
 * {@code --eval-interval N} it also estimates the train and val loss every N steps (20 batches each, no
 * graph, in an "eval" scope, as the Trainer does), outside the timed steps.
 *
 * <pre>
 *   java -cp target/benchmarks.jar dev.quill.bench.TrainThroughput --config baby --steps 120 --warmup 20
 *     [--rss-at 1,100,1000,5000] [--eval-interval 250] [--log-every 10] [--peak GFLOPS] [--accum A]
 * </pre>
 * Prints a final parseable line:
 * {@code RESULT impl=quill config=baby ms_per_step=.. tokens_per_s=.. mfu=..}.
 * Thread counts are environment variables read when ND4J loads (OMP_NUM_THREADS, SD_MAX_THREADS,
 * SD_MASTER_THREADS, OPENBLAS_NUM_THREADS, OMP_WAIT_POLICY): set them before starting the JVM.
 */
public final class TrainThroughput {

    public static void main(String[] args) throws IOException {
        String config = "baby";
        int steps = 120, warmup = 20, logEvery = 10, evalInterval = 0, accum = 0;
        double peak = Double.NaN;
        Set<Long> rssAt = new TreeSet<>(Arrays.asList(1L, 100L, 500L, 1000L, 2000L, 5000L));
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> config = args[++i];
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--log-every" -> logEvery = Integer.parseInt(args[++i]);
                case "--eval-interval" -> evalInterval = Integer.parseInt(args[++i]);
                case "--accum" -> accum = Integer.parseInt(args[++i]);
                case "--peak" -> peak = Double.parseDouble(args[++i]);
                case "--rss-at" -> {
                    rssAt.clear();
                    for (String s : args[++i].split(",")) {
                        rssAt.add(Long.parseLong(s.trim()));
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--config baby|6x384 --steps N --warmup N --log-every N --eval-interval N --accum A --peak GFLOPS --rss-at a,b,c)");
            }
        }
        System.out.printf("threads: OMP_NUM_THREADS=%s SD_MAX_THREADS=%s SD_MASTER_THREADS=%s OPENBLAS_NUM_THREADS=%s OMP_WAIT_POLICY=%s%n",
                System.getenv("OMP_NUM_THREADS"), System.getenv("SD_MAX_THREADS"), System.getenv("SD_MASTER_THREADS"),
                System.getenv("OPENBLAS_NUM_THREADS"), System.getenv("OMP_WAIT_POLICY"));
        if (Double.isNaN(peak)) {                          // over all of Quill's threads, as quill train reports MFU
            peak = dev.quill.train.GemmPeak.measure();
        }
        System.out.printf(Locale.ROOT, "GEMM peak (Nd4j.gemm %d^3 on each of %d thread(s) at once): %.1f GFLOP/s%n",
                dev.quill.train.GemmPeak.N, Parallel.threads(), peak);

        TrainSetup run = new TrainSetup(Shape.of(config), accum);
        long n = run.gpt.parameterCountWithoutPositions();
        System.out.printf(Locale.ROOT, "config %s: %s%n", config, run.model.toJson());
        System.out.printf(Locale.ROOT, "train %s%n", run.train.toJson());
        System.out.printf(Locale.ROOT, "parameters: %d (%d without positions); tokens/step %d; model FLOPs/token %.0f%n",
                run.gpt.parameterCount(), n, run.tokensPerStep(), run.gpt.flopsPerToken());
        System.out.printf("loop: TrainSetup.step = Trainer.run's step (per micro-batch in a MemoryScope: sample, forward, item, backward; then clip, AdamW, zeroGrad)%n");
        System.out.printf(Locale.ROOT, "micro-batches per step: %d of %d sequences%n", run.accum, run.sequences / run.accum);

        int total = warmup + steps;
        double[] ms = new double[steps];
        double[] cpuMs = new double[steps];
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        double allMs = 0;                                  // every step, warm-up included: what a short run pays
        for (int it = 0; it < total; it++) {
            long c0 = mx.getCurrentThreadCpuTime();
            long t0 = System.nanoTime();
            double loss = run.step(it);
            double stepMs = (System.nanoTime() - t0) / 1e6;
            allMs += stepMs;
            if (it >= warmup) {
                ms[it - warmup] = stepMs;
                cpuMs[it - warmup] = (mx.getCurrentThreadCpuTime() - c0) / 1e6;
            }
            long step = it + 1;
            if (step % logEvery == 0 || step == 1 || step == total) {
                System.out.printf(Locale.ROOT, "step %d: loss %.4f, %.1f ms%s%n", step, loss, stepMs, it < warmup ? " (warm-up)" : "");
            }
            if (rssAt.contains(step)) {
                System.out.printf(Locale.ROOT, "rss step=%d rss_mb=%d heap_used_mb=%d%n", step, rssMb(),
                        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20);
            }
            if (evalInterval > 0 && step % evalInterval == 0) {
                System.out.printf(Locale.ROOT, "eval step=%d train_loss=%.4f val_loss=%.4f%n", step,
                        estimate(run, true), estimate(run, false));
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        double median = percentile(sorted, 0.5);
        double tokensPerSec = run.tokensPerStep() / (median / 1e3);
        double mfu = dev.quill.train.GemmPeak.mfu(tokensPerSec, run.gpt.flopsPerToken(), peak);
        System.out.printf(Locale.ROOT, "ms/step over %d steps after %d warm-up: median %.2f, mean %.2f, p10 %.2f, p90 %.2f, min %.2f%n",
                steps, warmup, median, Arrays.stream(ms).average().orElse(Double.NaN), percentile(sorted, 0.1),
                percentile(sorted, 0.9), sorted[0]);
        System.out.printf(Locale.ROOT, "ms/step over all %d steps, warm-up included: mean %.2f%n", total, allMs / total);
        double[] cpuSorted = cpuMs.clone();
        Arrays.sort(cpuSorted);
        double cpuMedian = percentile(cpuSorted, 0.5);
        // main-thread CPU time: with 1 thread (ND4J and OpenBLAS run on the caller) it is the step's whole
        // CPU cost, far less sensitive than wall time to other processes on a shared machine
        System.out.printf(Locale.ROOT, "main-thread CPU ms/step: median %.2f (all of the step's CPU only with 1 thread)%n", cpuMedian);
        System.out.printf(Locale.ROOT, "RESULT impl=quill config=%s accum=%d steps=%d warmup=%d ms_per_step=%.2f tokens_per_s=%.1f"
                        + " all_ms_per_step=%.2f achieved_gflops=%.2f mfu=%.4f peak_gflops=%.1f cpu_ms_per_step=%.2f rss_mb=%d threads=%d vector=%s%n",
                config, run.accum, steps, warmup, median, tokensPerSec, allMs / total, tokensPerSec * run.gpt.flopsPerToken() / 1e9, mfu, peak,
                cpuMedian, rssMb(), Parallel.threads(), Kernels.vector() ? "on" : "off");
    }

    /** The Trainer's estimate: mean loss of 20 batches from a sampler seeded by the step, no graph. */
    private static double estimate(TrainSetup run, boolean train) {
        RandomWindowSampler s = train ? evalSamplers(run)[0] : evalSamplers(run)[1];
        double sum = 0;
        run.gpt.train(false);
        try (GradMode g = GradMode.off(); MemoryScope scope = MemoryScope.open("eval")) {
            for (int i = 0; i < 20; i++) {
                var b = s.next();
                sum += run.gpt.loss(b.inputs(), b.targets()).item();
            }
        } finally {
            run.gpt.train(true);
        }
        return sum / 20;
    }

    private static RandomWindowSampler[] evalSamplers;

    private static RandomWindowSampler[] evalSamplers(TrainSetup run) {
        if (evalSamplers == null) {
            var text = dev.quill.data.Corpora.readText(TrainSetup.corpus());
            var tok = dev.quill.data.CharTokenizer.train(text);
            TokenSplit split = TokenSplit.of(dev.quill.data.Tokens.of(tok.encode(text, false)));
            int b = run.train.batchSize(), t = run.model.blockSize();
            evalSamplers = new RandomWindowSampler[] {
                RandomWindowSampler.create(split.train(), b, t, 31), RandomWindowSampler.create(split.val(), b, t, 37)};
        }
        return evalSamplers;
    }

    private static double percentile(double[] sorted, double p) {
        double pos = p * (sorted.length - 1);
        int lo = (int) Math.floor(pos), hi = (int) Math.ceil(pos);
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
    }

    /** VmRSS of this process in MB, from /proc/self/status (-1 where unavailable). */
    static long rssMb() {
        return ProcessMemory.read().residentMb();
    }
}
