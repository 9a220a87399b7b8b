package dev.quill.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Runs the JMH benchmarks (all, or those matching the regexps given) and prints each one's time next to
 * its rate (GFLOP/s or GB/s, from {@link Work}) and, for FLOP rates, the share of the GEMM peak measured
 * in the same run by {@link GemmPeak}.
 *
 * <pre>
 *   java -cp target/benchmarks.jar dev.quill.bench.Report                 # everything (~8 minutes)
 *   java -cp target/benchmarks.jar dev.quill.bench.Report Attention Norm  # a subset (GemmPeak always runs)
 *   java -cp target/benchmarks.jar dev.quill.bench.Report --md out.md ... # also a markdown table
 * </pre>
 */
public final class Report {

    public static void main(String[] args) throws RunnerException, IOException {
        List<String> patterns = new ArrayList<>();
        Path md = null;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--md")) {
                md = Path.of(args[++i]);
            } else {
                patterns.add(args[i]);
            }
        }
        ChainedOptionsBuilder opts = new OptionsBuilder().forks(1).include("dev.quill.bench.GemmPeak");
        if (patterns.isEmpty()) {
            opts.include("dev.quill.bench.*");
        }
        for (String p : patterns) {
            opts.include(p);
        }
        Collection<RunResult> results = new Runner(opts.build()).run();

        double peak = Double.NaN;
        for (RunResult r : results) {
            if (r.getParams().getBenchmark().endsWith("GemmPeak.gemm2048")) {
                peak = GemmPeak.FLOP / (r.getPrimaryResult().getScore() / 1e3) / 1e9;
            }
        }
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "GEMM peak (Nd4j.gemm 2048^3, float32): %.1f GFLOP/s%n", peak));
        table.append(String.format(Locale.ROOT, "threads: OMP_NUM_THREADS=%s SD_MAX_THREADS=%s OMP_WAIT_POLICY=%s%n%n",
                System.getenv("OMP_NUM_THREADS"), System.getenv("SD_MAX_THREADS"), System.getenv("OMP_WAIT_POLICY")));
        table.append("| benchmark | shape | ms/op | +- | rate | of GEMM peak |\n|---|---|---:|---:|---:|---:|\n");
        for (RunResult r : results) {
            String bench = r.getParams().getBenchmark();
            String shape = r.getParams().getParam("shape");
            double ms = r.getPrimaryResult().getScore();
            double err = r.getPrimaryResult().getScoreError();
            Work w = Work.of(bench, shape);
            String rate = "", share = "";
            if (w != null) {
                double perSec = w.amount() / (ms / 1e3) / 1e9;
                rate = String.format(Locale.ROOT, "%.2f %s", perSec, w.flops() ? "GFLOP/s" : "GB/s");
                if (w.flops()) {
                    share = String.format(Locale.ROOT, "%.0f%%", 100 * perSec / peak);
                }
            }
            String name = bench.substring("dev.quill.bench.".length());
            table.append(String.format(Locale.ROOT, "| %s | %s | %.4f | %.4f | %s | %s |%n", name,
                    shape == null ? "baby" : shape, ms, Double.isNaN(err) ? 0 : err, rate, share));
        }
        System.out.println();
        System.out.print(table);
        if (md != null) {
            Files.writeString(md, table.toString());
        }
    }
}
