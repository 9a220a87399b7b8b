package dev.quill.bench;

import dev.quill.autograd.MemoryScope;
import dev.quill.autograd.Tensor;
import dev.quill.data.Batch;
import dev.quill.train.GradClip;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;

/**
 * Where one training step's time goes, phase by phase (the step of {@link TrainSetup#step}, with a
 * System.nanoTime between phases), what it allocates (workspace bytes, Java heap bytes), and how many
 * native ND4J calls it makes (ND4J's OpProfiler, in a separate pass since counting slows the calls).
 * <pre>
 *   java -cp target/benchmarks.jar dev.quill.bench.StepProfile --config baby --warmup 30 --steps 100
 * </pre>
 */
public final class StepProfile {

    private static final String[] PHASES = {"scope open", "batch sampling", "forward + loss", "loss.item()",
        "backward", "grad clip", "AdamW", "zeroGrad", "scope close"};

    public static void main(String[] args) {
        String config = "baby";
        int warmup = 30, steps = 100, counted = 5;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--config" -> config = args[++i];
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--counted" -> counted = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        TrainSetup run = new TrainSetup(Shape.of(config));
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        double[][] ms = new double[PHASES.length][steps];
        double[] total = new double[steps];
        long heapBytes = 0;
        long it = 0;
        for (int s = 0; s < warmup + steps; s++, it++) {
            long heap0 = threads.getThreadAllocatedBytes(tid);
            long[] t = new long[PHASES.length + 1];
            t[0] = System.nanoTime();
            MemoryScope scope = MemoryScope.open("train-step");
            t[1] = System.nanoTime();
            Batch batch = run.sampler.next();
            t[2] = System.nanoTime();
            Tensor loss = run.gpt.loss(batch.inputs(), batch.targets());
            t[3] = System.nanoTime();
            loss.item();
            t[4] = System.nanoTime();
            loss.backward();
            t[5] = System.nanoTime();
            GradClip.clip(run.params, run.train.gradClip());
            t[6] = System.nanoTime();
            run.optimizer.step(run.schedule.lr(it));
            t[7] = System.nanoTime();
            run.gpt.zeroGrad();
            t[8] = System.nanoTime();
            scope.close();
            t[9] = System.nanoTime();
            if (s >= warmup) {
                int k = s - warmup;
                for (int p = 0; p < PHASES.length; p++) {
                    ms[p][k] = (t[p + 1] - t[p]) / 1e6;
                }
                total[k] = (t[PHASES.length] - t[0]) / 1e6;
                heapBytes += threads.getThreadAllocatedBytes(tid) - heap0;
            }
        }
        double med = median(total);
        System.out.printf(Locale.ROOT, "%s step, %d steps after %d warm-up: median %.2f ms (mean %.2f)%n", config, steps,
                warmup, med, Arrays.stream(total).average().orElse(0));
        System.out.println("phase                 median ms   mean ms   share of mean");
        double meanTotal = Arrays.stream(total).average().orElse(1);
        for (int p = 0; p < PHASES.length; p++) {
            double mean = Arrays.stream(ms[p]).average().orElse(0);
            System.out.printf(Locale.ROOT, "%-20s %10.2f %9.2f %8.1f%%%n", PHASES[p], median(ms[p]), mean, 100 * mean / meanTotal);
        }
        MemoryWorkspace ws = Nd4j.getWorkspaceManager().getWorkspaceForCurrentThread("quill/train-step#0");
        System.out.printf(Locale.ROOT, "allocation per step: workspace 'train-step' size %.1f MB (last cycle allocated %.1f MB,"
                        + " max cycle %.1f MB); Java heap %.1f KB per step%n",
                ws.getCurrentSize() / 1e6, ws.getLastCycleAllocations() / 1e6, ws.getMaxCycleAllocations() / 1e6,
                heapBytes / (double) steps / 1e3);

        // Native calls: ND4J's op profiler counts every op it executes (and times them, which slows them).
        OpProfiler.getInstance().reset();
        Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
        for (int s = 0; s < counted; s++, it++) {
            run.step(it);
        }
        Nd4j.getExecutioner().setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
        OpProfiler prof = OpProfiler.getInstance();
        System.out.printf(Locale.ROOT, "native op calls per step (OpProfiler, %d steps): %.1f%n", counted,
                prof.getInvocationsCount() / (double) counted);
        System.out.println("--- OpProfiler dashboard (totals over the counted steps; divide by " + counted + ") ---");
        prof.printOutDashboard();
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
