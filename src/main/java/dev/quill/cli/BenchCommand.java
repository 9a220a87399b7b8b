package dev.quill.cli;

import dev.quill.autograd.Parallel;
import dev.quill.config.ConfigJson;
import dev.quill.train.GemmPeak;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code quill bench}: measurements of this machine (the kernel benchmarks are JMH's, see docs/performance.md). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure this machine.",
        subcommands = BenchCommand.Peak.class)
final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "missing subcommand: peak");
    }

    /** {@code quill bench peak}: the GEMM peak that MFU is reported over. */
    @Command(name = "peak", mixinStandardHelpOptions = true,
            description = "Measure the GEMM peak (GFLOP/s) over Quill's threads, the denominator of MFU in 'quill train'.")
    static final class Peak implements Callable<Integer> {

        @Spec
        CommandSpec spec;

        @Override
        public Integer call() throws Exception {
            double gflops = GemmPeak.measure();
            spec.commandLine().getErr().println(PeakOption.describe(gflops));
            spec.commandLine().getOut().println(ConfigJson.MAPPER.writeValueAsString(ConfigJson.object()
                    .put("peak_gflops", gflops).put("threads", Parallel.threads()).put("n", GemmPeak.N)));
            return QuillCommand.OK;
        }
    }
}
