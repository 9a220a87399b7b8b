package dev.quill.cli;

import dev.quill.autograd.Parallel;
import dev.quill.config.BadInputException;
import dev.quill.train.GemmPeak;
import java.io.PrintWriter;
import java.util.Locale;
import picocli.CommandLine.Option;

/** {@code --peak-gflops} of the training commands: the denominator of MFU, measured once unless given. */
final class PeakOption {

    @Option(names = "--peak-gflops", paramLabel = "GFLOPS",
            description = "The machine's GEMM peak for MFU in the metrics (default: measured at start, 0.2-0.3 s, "
                    + "as 'quill bench peak' does; 0 leaves MFU out).")
    Double given;

    private double measured = Double.NaN;

    /**
     * @param err where a measured peak is told
     * @return the peak in GFLOP/s: the given one, else measured on the first call
     * @throws BadInputException when the given value is negative or not a number
     */
    double peak(PrintWriter err) {
        check();
        if (given != null) {
            return given;
        }
        if (Double.isNaN(measured)) {
            measured = GemmPeak.measure();
            err.println(describe(measured) + "; MFU is over it (--peak-gflops to give it)");
        }
        return measured;
    }

    /**
     * Fails early, before a run starts, on a given value that is negative or not a number.
     *
     * @throws BadInputException naming the value
     */
    void check() {
        if (given != null && (!(given >= 0) || given.isInfinite())) {
            throw new BadInputException("--peak-gflops: " + given + " is not a rate in GFLOP/s (a number >= 0; 0 leaves MFU out)");
        }
    }

    /** {@return one line naming a measured peak and how it was measured} */
    static String describe(double gflops) {
        return String.format(Locale.ROOT, "GEMM peak: %.1f GFLOP/s (Nd4j.gemm %d^3 float32 on each of %d thread(s) at once)",
                gflops, GemmPeak.N, Parallel.threads());
    }
}
